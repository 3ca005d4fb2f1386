package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * lsh_attention_forward.cu against LshAttentionForwardCpu (float32) on every LshCases case, and the twin in
 * float64 against LshReference, the README's steps written out independently.
 */
class LshAttentionForwardTest {
    @Test
    void twinInFloat64MatchesTheReadmeReference() {
        for (LshCases.Case cs : LshCases.CASES) {
            LshCases.Data d = LshCases.data(cs, 71);
            LshTables t = d.tables();
            double[] qk = Near.widen(d.qk()), v = Near.widen(d.v());
            double[] want = LshReference.attention(cs.cfg(), t.buckets(), t.mask(), t.sin(), t.cos(), qk, v, t.drop());
            Near.close("f64 twin " + cs, want, LshAttentionForwardCpu.forward(cs.cfg(), t, qk, v, false).out(), 1e-12, 1e-10);
            // float32 twin near the exact function: within 2.5e-3 relative, because a causal query whose windows hold
            // only itself gets lse = -5e4 + log(copies) in every round, and float32 (ulp 0.0039 there) turns the
            // round weights 1/H into e.g. 0.500871 each (golden README, "Tolerances to expect"), as torch does
            Near.close("f32 twin " + cs, want, LshAttentionForwardCpu.forward(cs.cfg(), t, d.qk(), d.v()).out(), 2e-5, 2.5e-3);
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelMatchesTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        for (LshCases.Case cs : LshCases.kernelCases()) {
            LshConfig c = cs.cfg();
            LshCases.Data d = LshCases.data(cs, 72);
            LshAttentionForwardCpu.Result want = LshAttentionForwardCpu.forward(c, d.tables(), d.qk(), d.v());
            float[][] v2 = null;
            for (int version = 1; version <= LshAttentionForward.VERSIONS; version++) {
                String at = device + " v" + version + " " + cs;
                try (LshDeviceTables t = LshDeviceTables.upload(rt, d.tables()); DeviceBuffer qk = rt.upload(d.qk());
                        DeviceBuffer v = rt.upload(d.v()); DeviceBuffer out = rt.allocate(4L * c.rows() * c.queryLen() * c.dimHead());
                        LshAttentionForward.Saved saved = LshAttentionForward.Saved.allocate(rt, c)) {
                    LshAttentionForward.forward(rt, c, t, qk, v, out, saved, version);
                    int items = c.rows() * c.items();
                    float[][] got = {rt.downloadFloats(saved.lse(), items), rt.downloadFloats(saved.bo(), items * c.dimHead()),
                            rt.downloadFloats(saved.weight(), items), rt.downloadFloats(out, c.rows() * c.queryLen() * c.dimHead())};
                    Near.close(at + " lse", want.lse(), got[0], 1e-5, 1e-6);
                    Near.close(at + " bo", want.bo(), got[1], 1e-5, 1e-4);
                    Near.close(at + " weight", want.weight(), got[2], 1e-5, 1e-4);
                    Near.close(at + " out", want.out(), got[3], 1e-5, 1e-4);
                    // v3 runs v2's sums in v2's order on rows prepared once: the same bits
                    if (version == 2) v2 = got;
                    if (version == 3)
                        for (int k = 0; k < got.length; k++) Near.exact(at + " output " + k + " vs v2", v2[k], got[k]);
                }
            }
        }
    }

    @Test
    void badShapesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> LshConfig.of(1, 12, 8, 2, 4, true));
        assertTrue(e.getMessage().contains("multiple of 2 x bucket size = 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LshConfig(1, 8, 9, 8, 2, 4, true, true, true));
        assertTrue(e.getMessage().contains("query length 9"), e.getMessage());
        LshConfig c = LshConfig.of(1, 8, 4, 1, 4, false);
        e = assertThrows(IllegalArgumentException.class, () -> LshAttentionForwardCpu.forward(c,
                LshTables.sorted(c, new int[8], null, null, null), new double[5], new double[5], true));
        assertTrue(e.getMessage().contains("N*L*dh = 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LshTables.sorted(c, new int[] {0, 0, 0, 0, 0, 0, 0, 5}, null, null, null));
        assertTrue(e.getMessage().contains("bucket 5 outside"), e.getMessage());
    }
}
