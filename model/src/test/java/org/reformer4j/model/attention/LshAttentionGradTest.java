package org.reformer4j.model.attention;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.GradCheck;

/**
 * Finite differences in float64 against the hand-written backward of the fused LSH attention, with the
 * buckets fixed (they are constants of the op): causal or not, input mask, memory rows (T < L), no
 * attention across buckets, duplicate-attention correction, rotary embedding, dropout.
 */
class LshAttentionGradTest {
    @ParameterizedTest
    @CsvSource({
        "false, false, true,  true,  false, 0.0",
        "true,  false, true,  true,  false, 0.0",
        "true,  true,  true,  true,  true,  0.0",
        "false, true,  false, true,  true,  0.0",
        "true,  false, true,  false, false, 0.0",
        "true,  true,  false, false, true,  0.0",
        "false, false, true,  true,  true,  0.3",
    })
    void gradientMatchesFiniteDifferences(boolean causal, boolean masked, boolean acrossBuckets, boolean allowDup,
                                          boolean rotary, double dropout) {
        int n = 3, len = 16, dh = 4, h = 2, bs = 2, t = masked ? 14 : 16;
        Tensor qk = GradCheck.rand(11, -1, 1, n, len, dh);
        Tensor v = GradCheck.rand(12, -1, 1, n, len, dh);
        Tensor rot = Tensor.randn(new int[] {1, dh, h, len / bs / 2}, 5, 1, 0, DType.F64, Device.CPU);
        int[][] buckets = LshBuckets.hash(qk, rot, h, len / bs);
        boolean[][] mask = null;
        if (masked) {
            mask = new boolean[n][len];
            for (int r = 0; r < n; r++) for (int p = 0; p < len; p++) mask[r][p] = p < len - 3 - r;
        }
        RotaryTable table = rotary ? RotaryTable.of(toDouble(RotaryTable.inverseFrequencies(dh)), t, DType.F64) : null;
        double[] drop = LshChunksF32Test.dropMultipliers(n * h * len * 2 * bs, dropout, 2);
        var attn = new LshAttention(bs, h, causal, acrossBuckets, allowDup);
        boolean[][] m = mask;
        double[] d = drop;
        GradCheck.check("lshAttention", x -> attn.forward(x[0], x[1], t, h, null, buckets, m, table, LshDropout.of(d)).out(), qk, v);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
