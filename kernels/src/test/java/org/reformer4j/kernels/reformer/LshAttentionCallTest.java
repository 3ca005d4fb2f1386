package org.reformer4j.kernels.reformer;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * The whole device chain (hash, sort, forward, backward; then a replay with the first call's buckets, as the
 * reversible backward does) against the chain of CPU twins, on a causal masked case with rotary embedding
 * and one rotation set per row.
 */
class LshAttentionCallTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void deviceChainMatchesTwinChain(String device) {
        CudaRuntime rt = Devices.get(device);
        LshConfig c = new LshConfig(3, 32, 28, 8, 3, 4, true, true, true);
        Random r = new Random(111);
        int elems = c.rows() * c.len() * c.dimHead(), outs = c.rows() * c.queryLen() * c.dimHead();
        float[] qk = Near.normal(r, elems), v = Near.normal(r, elems), g = Near.normal(r, outs);
        float[] rot = Near.normal(r, c.rows() * c.dimHead() * c.hashes() * c.buckets() / 2);
        boolean[] mask = new boolean[c.rows() * c.len()];
        for (int i = 0; i < mask.length; i++) mask[i] = r.nextFloat() < 0.85f;
        float[][] table = LshTables.rotary(c.queryLen(), c.dimHead());
        int[] buckets = LshHashCpu.hash(qk, rot, true, c.rows(), c.len(), c.dimHead(), c.hashes(), c.buckets());
        LshTables t = LshTables.sorted(c, buckets, mask, table[0], table[1]);
        LshAttentionForwardCpu.Result fwd = LshAttentionForwardCpu.forward(c, t, qk, v);
        float[][] grads = LshAttentionBackwardCpu.backward(c, t, qk, v, fwd, g);
        LshDeviceTables host = LshDeviceTables.upload(rt, t);  // for the mask and rotary table only
        try (host; DeviceBuffer dq = rt.upload(qk); DeviceBuffer dv = rt.upload(v); DeviceBuffer dr = rt.upload(rot);
                DeviceBuffer dg = rt.upload(g); DeviceBuffer out = rt.allocate(4L * outs); DeviceBuffer out2 = rt.allocate(4L * outs);
                DeviceBuffer dqk = rt.allocate(4L * elems); DeviceBuffer ddv = rt.allocate(4L * elems);
                LshAttentionCall call = LshAttentionCall.forward(rt, c, dq, dv, dr, true, null, host.mask(), host.sin(), host.cos(), out)) {
            Near.exact(device + " buckets", buckets, rt.downloadInts(call.buckets(), buckets.length));
            Near.close(device + " out", fwd.out(), rt.downloadFloats(out, outs), 1e-5, 1e-4);
            call.backward(dg, dqk, ddv);
            Near.close(device + " dqk", Near.widen(grads[0]), rt.downloadFloats(dqk, elems), 2e-5, 1e-4);
            Near.close(device + " dv", Near.widen(grads[1]), rt.downloadFloats(ddv, elems), 2e-5, 1e-4);
            try (LshAttentionCall replay = LshAttentionCall.forward(rt, c, dq, dv, null, false, call.buckets(), host.mask(),
                    host.sin(), host.cos(), out2)) {
                Near.exact(device + " replayed out", rt.downloadFloats(out, outs), rt.downloadFloats(out2, outs));
            }
        }
    }
}
