package org.reformer4j.model.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;

/**
 * The float32 tile kernels of the LSH chunks ({@link LshChunksF32}, Vector API and scalar loops) against two
 * references on the same inputs and buckets: the float64 loops with float32 rounding points they replaced
 * (the form the golden fixtures validated), and the float64 op (checked by finite differences in
 * {@link LshAttentionGradTest}); and the backward that recomputes the per-round outputs against the one that
 * keeps them (bit for bit). Output and both input gradients, for every mask option, rotary and dropout;
 * bucket size 16, so a query's 32 keys fill whole vector registers.
 */
class LshChunksF32Test {
    private static final int N = 2, LEN = 128, DH = 16, H = 2, BS = 16;
    private static final long KEEP = LshAttentionCore.keepRoundOutputsBytes;

    @AfterEach
    void restore() {
        LshChunks.tilesEnabled = true;
        LshChunks.tilesVector = true;
        LshChunks.tilesPanels = true;
        LshAttentionCore.keepRoundOutputsBytes = KEEP;
    }

    @ParameterizedTest
    @CsvSource({
        "false, false, true,  true,  false, 0.0",
        "true,  false, true,  true,  false, 0.0",
        "true,  true,  true,  true,  true,  0.0",
        "false, true,  false, true,  true,  0.0",
        "true,  false, true,  false, false, 0.0",
        "true,  true,  false, false, true,  0.0",
        "true,  false, true,  true,  false, 0.2",
    })
    void tilesMatchTheRoundedLoopsAndFloat64(boolean causal, boolean masked, boolean across, boolean allowDup, boolean rotary,
                                             double dropout) {
        int t = masked ? LEN - 6 : LEN;
        Tensor qk = GradCheck.rand(21, -2, 2, N, LEN, DH), v = GradCheck.rand(22, -1, 1, N, LEN, DH);
        Tensor gOut = GradCheck.rand(23, -1, 1, N, t, DH);
        Tensor rot = Tensor.randn(new int[] {1, DH, H, LEN / BS / 2}, 5, 1, 0, DType.F64, Device.CPU);
        int[][] buckets = LshBuckets.hash(qk, rot, H, LEN / BS);
        boolean[][] mask = null;
        if (masked) {
            mask = new boolean[N][LEN];
            for (int r = 0; r < N; r++) for (int p = 0; p < LEN; p++) mask[r][p] = p % 7 != 3 && p < LEN - 2 - r;
        }
        double[] drop = dropMultipliers(N * H * LEN * 2 * BS, dropout, 2);
        var attn = new LshAttention(BS, H, causal, across, allowDup);
        String tag = "causal " + causal + ", mask " + masked + ", across " + across + ", allowDup " + allowDup + ", rotary " + rotary
                + ", dropout " + dropout;

        double[][] f64 = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F64);
        LshChunks.tilesEnabled = false;
        double[][] rounded = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F32);
        LshChunks.tilesEnabled = true;
        LshChunks.tilesVector = false;
        double[][] scalar = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F32);
        LshChunks.tilesVector = true;
        double[][] vector = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F32);
        double[][] recomputation = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F32, true);
        LshAttentionCore.keepRoundOutputsBytes = 0;
        double[][] recomputed = run(attn, qk, v, gOut, t, buckets, mask, rotary, drop, DType.F32);

        String[] what = {"out", "d qk", "d v"};
        for (int i = 0; i < 3; i++) {
            // the two float32 forms differ in exp's last bit and in summation order only
            close(tag + ", " + what[i] + ": scalar tiles vs rounded loops", scalar[i], rounded[i], 2e-6);
            close(tag + ", " + what[i] + ": vector tiles vs scalar tiles", vector[i], scalar[i], 2e-6);
            // backward recomputing the per-round outputs instead of keeping them: the same operations, the same bits
            assertArrayEquals(vector[i], recomputed[i], tag + ", " + what[i] + ": round outputs recomputed in backward");
            assertArrayEquals(vector[i], recomputation[i], tag + ", " + what[i] + ": as a reversible layer's recomputation");
            // float32 vs float64: a round whose query sees only itself has logsumexp ~ -5e4 (the self value), where
            // float32 resolves 4e-3; the golden README reports the same ~1e-3 differences in causal logits
            close(tag + ", " + what[i] + ": vector tiles vs float64", vector[i], f64[i], 5e-3);
        }
    }

    /**
     * Several chunk groups per row (bucket size 64: four chunks a group, sixteen chunks a row), where each group after
     * the first takes its look-back keys and values from the previous group's buffers: the tiles against the rounded
     * loops, which gather nothing.
     */
    @Test
    void laterGroupsReuseThePreviousGroupsLastChunk() {
        int len = 512, bs = 64, dh = 32;
        Tensor qk = GradCheck.rand(31, -2, 2, N, len, dh), v = GradCheck.rand(32, -1, 1, N, len, dh);
        Tensor gOut = GradCheck.rand(33, -1, 1, N, len, dh);
        Tensor rot = Tensor.randn(new int[] {1, dh, H, len / bs / 2}, 6, 1, 0, DType.F64, Device.CPU);
        int[][] buckets = LshBuckets.hash(qk, rot, H, len / bs);
        var attn = new LshAttention(bs, H, true, true, true);
        LshChunks.tilesEnabled = false;
        double[][] rounded = run(attn, qk, v, gOut, len, buckets, null, false, null, DType.F32);
        LshChunks.tilesEnabled = true;
        double[][] tiles = run(attn, qk, v, gOut, len, buckets, null, false, null, DType.F32);
        String[] what = {"out", "d qk", "d v"};
        for (int i = 0; i < 3; i++) close("groups of four chunks, " + what[i] + ": tiles vs rounded loops", tiles[i], rounded[i], 2e-6);
    }

    /**
     * The vector tiles' products on core's packed panels (each group's keys and values packed once for all of its
     * chunks) against the same products on the gathered buffers as they lie: the same bits, out and both gradients,
     * forward, backward and backward recomputing the round outputs, for bucket sizes that start every window on a
     * panel of keys (32 and 64 with AVX-512's 32-column panels) and one that does not (16: rows in panels only).
     */
    @ParameterizedTest
    @CsvSource({"16, 16, true, 0.0", "32, 16, false, 0.1", "64, 32, true, 0.0", "64, 64, true, 0.2"})
    void packedPanelsKeepTheBits(int bs, int dh, boolean causal, double dropout) {
        int len = 512;
        Tensor qk = GradCheck.rand(41, -2, 2, N, len, dh), v = GradCheck.rand(42, -1, 1, N, len, dh);
        Tensor gOut = GradCheck.rand(43, -1, 1, N, len, dh);
        Tensor rot = Tensor.randn(new int[] {1, dh, H, len / bs / 2}, 7, 1, 0, DType.F64, Device.CPU);
        int[][] buckets = LshBuckets.hash(qk, rot, H, len / bs);
        double[] drop = dropMultipliers(N * H * len * 2 * bs, dropout, 3);
        var attn = new LshAttention(bs, H, causal, true, true);
        LshChunks.tilesPanels = false;
        double[][] plain = run(attn, qk, v, gOut, len, buckets, null, false, drop, DType.F32);
        LshChunks.tilesPanels = true;
        double[][] panels = run(attn, qk, v, gOut, len, buckets, null, false, drop, DType.F32);
        LshAttentionCore.keepRoundOutputsBytes = 0;
        double[][] recomputed = run(attn, qk, v, gOut, len, buckets, null, false, drop, DType.F32);
        String[] what = {"out", "d qk", "d v"};
        for (int i = 0; i < 3; i++) {
            String tag = "bucket size " + bs + ", dh " + dh + ", " + what[i];
            assertArrayEquals(plain[i], panels[i], tag + ": packed panels against the gathered buffers");
            assertArrayEquals(plain[i], recomputed[i], tag + ": packed panels, round outputs recomputed in backward");
        }
    }

    /**
     * Dropout multipliers for {@code count} attention weights (0, or 1 / (1 - rate) where a uniform draw of stream
     * {@code stream} is at least the rate), as the layer's dropout hands them to the chunks; null for rate 0.
     */
    static double[] dropMultipliers(int count, double rate, long stream) {
        if (rate <= 0) return null;
        double[] u = Tensor.rand(new int[] {count}, 9, stream, 0, DType.F64, Device.CPU).toDoubleArray();
        double[] drop = new double[u.length];
        for (int i = 0; i < u.length; i++) drop[i] = u[i] >= rate ? 1 / (1 - rate) : 0;
        return drop;
    }

    /** Out, d qk and d v of the op in {@code dt} for the upstream gradient gOut. */
    private static double[][] run(LshAttention attn, Tensor qk64, Tensor v64, Tensor gOut, int t, int[][] buckets, boolean[][] mask,
                                  boolean rotary, double[] drop, DType dt) {
        return run(attn, qk64, v64, gOut, t, buckets, mask, rotary, drop, dt, false);
    }

    /** {@link #run} as a reversible layer's recomputation or not. */
    private static double[][] run(LshAttention attn, Tensor qk64, Tensor v64, Tensor gOut, int t, int[][] buckets, boolean[][] mask,
                                  boolean rotary, double[] drop, DType dt, boolean recomputation) {
        Tensor qk = qk64.to(dt).detach().requiresGrad(true), v = v64.to(dt).detach().requiresGrad(true);
        RotaryTable table = rotary ? RotaryTable.of(toDouble(RotaryTable.inverseFrequencies(DH)), t, dt) : null;
        Tensor out = attn.forward(qk, v, t, H, null, buckets, mask, table, LshDropout.of(drop), recomputation).out();
        out.backward(gOut.to(dt));
        return new double[][] {out.toDoubleArray(), qk.grad().toDoubleArray(), v.grad().toDoubleArray()};
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** max |a - b| <= tol * max(1, max |b|), naming the worst element. */
    private static void close(String what, double[] a, double[] b, double tol) {
        double worst = 0, scale = 1;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(b[i]));
            double d = Math.abs(a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tol * scale, what + ": max difference " + worst + " at " + at + " (" + (at < 0 ? "" : a[at] + " vs " + b[at])
                + ") > " + tol * scale);
    }

    /**
     * A reversible layer's recomputation keeps round outputs up to the whole budget (one layer alive at a time); any
     * other pass (an irreversible layer's arrays all stay until backward) at most 32 MiB of it.
     */
    @Test
    void roundOutputsKeptByPass() {
        LshAttentionCore.keepRoundOutputsBytes = 100L << 20;
        assertTrue(LshAttentionCore.keepsRoundOutputs(64L << 20, true), "recomputation, 64 of 100 MiB");
        assertFalse(LshAttentionCore.keepsRoundOutputs(64L << 20, false), "other pass, 64 MiB over 32");
        assertTrue(LshAttentionCore.keepsRoundOutputs(32L << 20, false), "other pass, 32 MiB");
        assertFalse(LshAttentionCore.keepsRoundOutputs(101L << 20, true), "recomputation, over the budget");
        LshAttentionCore.keepRoundOutputsBytes = 16L << 20;
        assertFalse(LshAttentionCore.keepsRoundOutputs(20L << 20, false), "other pass, over a budget below 32 MiB");
    }
}
