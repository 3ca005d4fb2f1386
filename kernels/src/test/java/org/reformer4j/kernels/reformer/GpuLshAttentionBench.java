package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaEvent;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.PhiloxRandom;

/**
 * GPU benchmark of the Reformer kernels, for native/gpu-check.sh: LSH hashing, the bucket sort, the attention
 * forward and backward at 16k and 64k tokens (B = 1, 8 heads, dh = 64, bs = 64, 4 rounds), each version, timed
 * with CUDA events (10 runs after 2 warm-ups). Reports milliseconds, the attention's matrix FLOP rate
 * (q.k and p.v of every [bs, 2bs] window: 8 bs dh FLOPs per sorted item forward, twice that backward) and
 * the bandwidth of its compulsory traffic. NOT YET RUN ON A GPU: no figures from it are recorded anywhere.
 * Without a GPU it prints why and exits 0.
 */
public final class GpuLshAttentionBench {
    private GpuLshAttentionBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("LSH attention bench skipped: " + p.reason());
            return;
        }
        CudaRuntime rt = CudaRuntimes.gpu();
        System.out.println("| device | kernel | version | tokens | ms | GFLOP/s | GB/s |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (int len : new int[] {16384, 65536}) run(rt, p, len);
    }

    private static void run(CudaRuntime rt, CudaProbe p, int len) {
        int heads = 8, dh = 64, bs = 64, hashes = 4;
        LshConfig c = LshConfig.of(heads, len, dh, hashes, bs, true);
        long elems = (long) c.rows() * len * dh, items = (long) c.rows() * c.items(), nb = c.buckets();
        float[][] rot = LshTables.rotary(len, dh);
        try (DeviceBuffer qk = rt.allocate(4 * elems); DeviceBuffer v = rt.allocate(4 * elems);
                DeviceBuffer rotations = rt.allocate(4L * dh * hashes * nb / 2); DeviceBuffer buckets = rt.allocate(4 * items);
                DeviceBuffer sticker = rt.allocate(4 * items); DeviceBuffer undo = rt.allocate(4 * items);
                DeviceBuffer sin = rt.upload(rot[0]); DeviceBuffer cos = rt.upload(rot[1]);
                DeviceBuffer out = rt.allocate(4 * elems); DeviceBuffer g = rt.allocate(4 * elems);
                DeviceBuffer dqk = rt.allocate(4 * elems); DeviceBuffer dv = rt.allocate(4 * elems);
                LshAttentionForward.Saved saved = LshAttentionForward.Saved.allocate(rt, c);
                CudaEvent start = rt.newEvent(); CudaEvent end = rt.newEvent()) {
            PhiloxRandom.normal(rt, qk, elems, 1, 0, 0, 1);
            PhiloxRandom.normal(rt, v, elems, 2, 0, 0, 1);
            PhiloxRandom.normal(rt, g, elems, 3, 0, 0, 1);
            LshHash.drawRotations(rt, rotations, 1, dh, hashes, (int) nb, 4, 0, 0);
            for (int ver = 1; ver <= LshHash.VERSIONS; ver++) {
                int version = ver;
                row(p, "lsh_hash", ver, len, time(rt, () -> LshHash.hash(rt, qk, rotations, false, buckets, c.rows(), len, dh, hashes,
                        (int) nb, version), start, end), 2.0 * items * dh * nb / 2, 4.0 * (elems + items));
            }
            for (int ver = 1; ver <= LshSort.VERSIONS; ver++) {
                int version = ver;
                row(p, "lsh_sort", ver, len, time(rt, () -> LshSort.sort(rt, buckets, sticker, undo, c.rows(), len, hashes, (int) nb,
                        version), start, end), 0, 4.0 * 4 * items);
            }
            LshDeviceTables t = LshDeviceTables.of(buckets, sticker, undo, null, sin, cos);
            double flops = 8.0 * items * bs * dh;
            // compulsory traffic: qk and v gathered once per round, bo written, out read back by the mix
            double fwdBytes = 4.0 * (2 * items * dh + 2 * items * dh + elems + 4 * items);
            for (int ver = 1; ver <= LshAttentionForward.VERSIONS; ver++) {
                int version = ver;
                row(p, "lsh_attention_forward", ver, len, time(rt, () -> LshAttentionForward.forward(rt, c, t, qk, v, out, saved, version),
                        start, end), flops, fwdBytes);
            }
            for (int ver = 1; ver <= LshAttentionBackward.VERSIONS; ver++) {
                int version = ver;
                row(p, "lsh_attention_backward", ver, len, time(rt, () -> LshAttentionBackward.backward(rt, c, t, qk, v, out, saved, g,
                        dqk, dv, version), start, end), 2 * flops, 4.0 * (2 * items * dh + 2 * items * dh + 6 * items * dh + 4 * elems));
            }
        }
    }

    private static void row(CudaProbe p, String kernel, int v, int tokens, float ms, double flops, double bytes) {
        System.out.printf("| %s | %s | %d | %d | %.3f | %.0f | %.0f |%n", p.deviceName(), kernel, v, tokens, ms,
                flops / (ms * 1e-3) / 1e9, bytes / (ms * 1e-3) / 1e9);
    }

    private static float time(CudaRuntime rt, Runnable op, CudaEvent start, CudaEvent end) {
        for (int i = 0; i < 2; i++) op.run();
        rt.synchronize();
        int runs = 10;
        start.record(rt.defaultStream());
        for (int i = 0; i < runs; i++) op.run();
        end.record(rt.defaultStream());
        end.synchronize();
        return end.elapsedMillis(start) / runs;
    }
}
