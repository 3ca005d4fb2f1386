package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.RotaryTable;

/**
 * Attention weights recorded by {@link Recorder#withAttention()} (reformer-pytorch's Recorder): the identity
 * out[q] = sum_k attn[q, k] v[k] rebuilds the layer's output before to_out (LSH causal and not, input mask,
 * memory slots, encoder keys with a context mask, one and two hash rounds, full attention; float64 and float32); unmasked query rows sum to 1; no weight on future
 * tokens (causal) nor on masked keys; nothing recorded unless asked (a device model records the same: RecorderOnDeviceTest).
 */
class RecorderAttentionTest {
    private static final int DIM = 8, T = 16, H = 2, DH = 4;

    private static ReformerConfig config(boolean causal, int memKv, int nHashes, int fullAttnThres) {
        return config(causal, memKv, nHashes, fullAttnThres, DType.F64, 0);
    }

    private static ReformerConfig config(boolean causal, int memKv, int nHashes, int fullAttnThres, DType dt, int localHeads) {
        return ReformerConfig.builder().nLocalAttnHeads(localHeads).numTokens(10).dim(DIM).depth(1).heads(H).dimHead(DH).bucketSize(4).nHashes(nHashes)
                .maxSeqLen(T).causal(causal).numMemKv(memKv).fullAttnThres(fullAttnThres).dtype(dt).seed(5).config();
    }

    private static ForwardState state(boolean[][] mask, int nHashes, Recorder rec) {
        RotaryTable table = RotaryTable.of(ReversibleGradTest.toDouble(RotaryTable.inverseFrequencies(DH)), T, DType.F64);
        return new ForwardState(1, mask, table, KeysAttentionTest.fixedRotations(), new Generator(1, 1), false, nHashes, rec);
    }

    @Test
    void weightsTimesValuesRebuildTheLayerOutput() {
        boolean[] keep = new boolean[T];
        java.util.Arrays.fill(keep, true);
        keep[3] = keep[11] = keep[14] = false;
        boolean[][] mask = {keep.clone(), allTrue()};
        for (boolean causal : new boolean[] {true, false}) {
            for (int mem : new int[] {0, 8}) {
                for (int hashes : new int[] {1, 2}) {
                    for (int thres : new int[] {0, 100}) { // LSH, then full attention
                        for (boolean[][] m : new boolean[][][] {null, mask}) {
                            check(DType.F64, causal, mem, hashes, thres, m);
                        }
                    }
                }
            }
        }
    }

    private static boolean[] allTrue() {
        boolean[] b = new boolean[T];
        java.util.Arrays.fill(b, true);
        return b;
    }

    @Test
    void float32WeightsRebuildTheLayerOutput() {
        boolean[] keep = allTrue();
        keep[0] = keep[9] = false;
        for (int thres : new int[] {0, 100}) check(DType.F32, true, 8, 2, thres, new boolean[][] {allTrue(), keep});
    }

    @Test
    void encoderKeysAreColumnsOfTheWeights() {
        boolean[][] cm = {{true, true, false, true, true, true, true, false}, allTrue8()};
        for (int thres : new int[] {0, 100}) check(DType.F64, true, 0, 2, thres, null, GradCheck.rand(13, -1, 1, 2, 8, DIM), cm);
    }

    private static boolean[] allTrue8() {
        boolean[] b = new boolean[8];
        java.util.Arrays.fill(b, true);
        return b;
    }

    private static void check(DType dt, boolean causal, int mem, int hashes, int thres, boolean[][] mask) {
        check(dt, causal, mem, hashes, thres, mask, null, null);
    }

    private static void check(DType dt, boolean causal, int mem, int hashes, int thres, boolean[][] mask, Tensor keys, boolean[][] cm) {
        String what = dt + ", causal " + causal + ", keys " + (keys != null) + ", memKv " + mem + ", nHashes " + hashes + ", fullAttnThres " + thres + ", mask " + (mask != null);
        LSHSelfAttention layer = new LSHSelfAttention(config(causal, mem, hashes, thres, dt, 0), new Generator(7, 0));
        Tensor x = GradCheck.rand(11, -1, 1, 2, T, DIM).to(dt);
        double tol = dt == DType.F64 ? 1e-6 : 1e-4; // the weights are kept as float
        Recorder rec = new Recorder().withAttention();
        int c = keys == null ? 0 : keys.size(1), len = T + mem + c;
        try (var ng = GradMode.noGrad()) {
            ForwardState st = keys == null ? state(mask, hashes, rec) : new ForwardState(1, mask, state(mask, hashes, rec).rotary,
                    KeysAttentionTest.fixedRotations(), new Generator(1, 1), false, hashes, rec, null, keys, cm);
            double[] got = layer.apply(x, st, 0).toDoubleArray();
            float[][][][] attn = rec.attention(0);
            assertNotNull(attn, what);
            assertEquals(2, attn.length, what);
            assertEquals(H, attn[0].length, what);
            assertEquals(T, attn[0][0].length, what);
            assertEquals(len, attn[0][0][0].length, what);
            List<Tensor> parts = new java.util.ArrayList<>(List.of(x));
            if (mem > 0) parts.add(layer.memKv().tensor().expand(2, mem, DIM));
            if (keys != null) parts.add(keys);
            Tensor xm = Tensor.cat(parts, 1);
            double[] v = layer.tov().forward(xm).toDoubleArray(); // [B, L, H*DH]
            double[] pre = new double[2 * T * H * DH];
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < H; h++) {
                    for (int q = 0; q < T; q++) {
                        double rowSum = 0;
                        for (int k = 0; k < len; k++) {
                            double a = attn[b][h][q][k];
                            rowSum += a;
                            for (int f = 0; f < DH; f++) pre[(b * T + q) * H * DH + h * DH + f] += a * v[(b * len + k) * H * DH + h * DH + f];
                            boolean keptQuery = mask == null || mask[b][q];
                            if (keptQuery && cm != null && k >= T + mem && !cm[b][k - T - mem]) {
                                assertEquals(0.0, a, 0.0, what + ": masked encoder key " + k + " of query " + q);
                            }
                            // a query the mask drops sees every key masked (full attention: a uniform row, as in torch)
                            if (keptQuery && causal && k > q && k < T) assertEquals(0.0, a, 0.0, what + ": future key " + k + " of query " + q);
                            if (keptQuery && mask != null && k < T && !mask[b][k]) {
                                assertEquals(0.0, a, 0.0, what + ": masked key " + k + " of query " + q);
                            }
                        }
                        if (mask == null || mask[b][q]) assertEquals(1.0, rowSum, tol, what + ": row sum of b " + b + " head " + h + " query " + q);
                    }
                }
            }
            double[] want = layer.toOut().forward(Tensor.of(pre, 2, T, H * DH).to(dt)).toDoubleArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, what + ": element " + i);
        }
    }

    @Test
    void aModelRecordsEveryLayerInOrder() {
        ReformerLM m = ReformerLM.builder().numTokens(10).dim(DIM).depth(2).heads(H).dimHead(DH).bucketSize(4).nHashes(2).maxSeqLen(T)
                .causal(true).fullAttnThres(0).build();
        Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7}, 1, T);
        Recorder rec = new Recorder().withAttention();
        try (var ng = GradMode.noGrad()) {
            m.forward(ids, null, rec);
        }
        List<Recorder.AttentionEntry> e = rec.attentionEntries();
        assertEquals(2, e.size());
        assertEquals(0, e.get(0).layer());
        assertEquals(1, e.get(1).layer());
        for (Recorder.AttentionEntry a : e) {
            for (float[] row : a.weights()[0][0]) {
                double s = 0;
                for (float w : row) s += w;
                // float32: a query that sees only itself has round logsumexps near -5e4, where float32's spacing of
                // 2^-8 moves each round weight by up to 0.4% (torch's float32 mix rounds alike)
                assertEquals(1.0, s, 5e-3, "layer " + a.layer());
            }
        }
        assertNotNull(rec.buckets(0));
    }

    @Test
    void onlyTheLshHeadsAreRecorded() {
        LSHSelfAttention layer = new LSHSelfAttention(config(false, 0, 1, 0, DType.F64, 1), new Generator(7, 0));
        Recorder rec = new Recorder().withAttention();
        try (var ng = GradMode.noGrad()) {
            layer.apply(GradCheck.rand(11, -1, 1, 2, T, DIM), state(null, 1, rec), 0);
        }
        assertEquals(H - 1, rec.attention(0)[0].length, "reformer-pytorch hands back the LSH heads only, not the local ones");
    }

    @Test
    void offByDefault() {
        LSHSelfAttention layer = new LSHSelfAttention(config(true, 0, 2, 0), new Generator(7, 0));
        Recorder rec = new Recorder();
        try (var ng = GradMode.noGrad()) {
            layer.apply(GradCheck.rand(11, -1, 1, 2, T, DIM), state(null, 2, rec), 0);
        }
        assertTrue(rec.attentionEntries().isEmpty());
        assertNull(rec.attention(0));
        assertNotNull(rec.buckets(0), "buckets are still recorded");
        var ex = assertThrows(IllegalStateException.class, () -> rec.recordAttention(0, new float[1][1][1][1]));
        assertTrue(ex.getMessage().contains("withAttention"), ex.getMessage());
    }
}
