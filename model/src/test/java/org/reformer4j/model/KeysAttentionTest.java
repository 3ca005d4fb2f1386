package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.RotaryTable;

/**
 * Encoder keys in the attention layers (reformer-pytorch's {@code keys} / {@code context_mask}): a layer given
 * keys K equals the same layer whose memory slots hold K (full and LSH attention, causal, with an input mask),
 * and full attention over cat(x, keys) equals a direct float64 loop; masked keys leave the output unchanged;
 * the keys' gradient (reversible and plain paths) matches finite differences; bad keys and masks are refused.
 */
class KeysAttentionTest {
    private static final int DIM = 8, T = 8, C = 8;

    private static ReformerConfig layerConfig(int memKv, int fullAttnThres) {
        return ReformerConfig.builder().numTokens(10).dim(DIM).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(2)
                .maxSeqLen(16).causal(true).numMemKv(memKv).fullAttnThres(fullAttnThres).dtype(DType.F64).seed(5).config();
    }

    /** Rotations fixed by layer and shape, so that two passes of equal length hash alike. */
    static RotationSource fixedRotations() {
        Map<String, Tensor> made = new HashMap<>();
        return (layer, shape, dt) -> made.computeIfAbsent(layer + java.util.Arrays.toString(shape),
                k -> Tensor.randn(shape, 99, layer, 0, dt, Device.CPU));
    }

    private static ForwardState state(boolean[][] inputMask, Tensor keys, boolean[][] contextMask, RotationSource rot) {
        RotaryTable table = RotaryTable.of(ReversibleGradTest.toDouble(RotaryTable.inverseFrequencies(4)), T, DType.F64);
        return new ForwardState(1, inputMask, table, rot, new Generator(1, 1), false, 2, null, null, keys, contextMask);
    }

    @Test
    void keysActLikeMemorySlotsHoldingThem() {
        for (int thres : new int[] {100, 12, 0}) { // full attention, then LSH over T + C = 16 positions (T alone <= 12)
            LSHSelfAttention withKeys = new LSHSelfAttention(layerConfig(0, thres), new Generator(5, 0));
            LSHSelfAttention withMem = new LSHSelfAttention(layerConfig(C, thres), new Generator(6, 0));
            Tensor k = GradCheck.rand(3, -1, 1, 1, C, DIM);
            Map<String, Tensor> sd = new HashMap<>(withKeys.stateDict());
            sd.put("mem_kv", k);
            withMem.loadStateDict(sd);
            Tensor x = GradCheck.rand(4, -1, 1, 2, T, DIM);
            boolean[][] mask = {{true, true, true, true, true, true, false, false}, {true, true, true, true, true, true, true, true}};
            RotationSource rot = fixedRotations();
            try (var ng = GradMode.noGrad()) {
                double[] a = withKeys.apply(x, state(mask, k.expand(2, C, DIM).contiguous(), null, rot), 0).toDoubleArray();
                double[] b = withMem.apply(x, state(mask, null, null, rot), 0).toDoubleArray();
                for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-12, "fullAttnThres " + thres + ", element " + i);
            }
        }
    }

    @Test
    void fullAttentionOverKeysEqualsADirectLoop() {
        LSHSelfAttention layer = new LSHSelfAttention(layerConfig(0, 100), new Generator(5, 0));
        Tensor x = GradCheck.rand(7, -1, 1, 2, T, DIM), k = GradCheck.rand(8, -1, 1, 2, 5, DIM);
        boolean[][] cm = {{true, false, true, true, false}, {true, true, true, true, true}};
        double[] got;
        try (var ng = GradMode.noGrad()) {
            got = layer.apply(x, state(null, k, cm, fixedRotations()), 0).toDoubleArray();
        }
        double[] want = reference(layer.stateDict(), x.toDoubleArray(), k.toDoubleArray(), cm, 2, T, 5, 2, 4);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-12, "element " + i);
    }

    /**
     * Shared-QK causal attention of T queries over cat(x, keys) in plain float64 loops: keys unit-normalised,
     * scores / sqrt(dh), self score -5e4, masked keys and future tokens left out, then to_out with bias.
     */
    static double[] reference(Map<String, Tensor> sd, double[] x, double[] keys, boolean[][] cm, int b, int t, int c, int h, int dh) {
        double[] wqk = sd.get("toqk.weight").toDoubleArray(), wv = sd.get("tov.weight").toDoubleArray();
        double[] wo = sd.get("to_out.weight").toDoubleArray(), bo = sd.get("to_out.bias").toDoubleArray();
        int len = t + c, wide = h * dh;
        double[] out = new double[b * t * DIM];
        for (int n = 0; n < b; n++) {
            double[][] qk = new double[len][wide], v = new double[len][wide];
            for (int r = 0; r < len; r++) {
                for (int o = 0; o < wide; o++) {
                    for (int e = 0; e < DIM; e++) {
                        double in = r < t ? x[(n * t + r) * DIM + e] : keys[(n * c + r - t) * DIM + e];
                        qk[r][o] += wqk[o * DIM + e] * in;
                        v[r][o] += wv[o * DIM + e] * in;
                    }
                }
            }
            double[][] merged = new double[t][wide];
            for (int hh = 0; hh < h; hh++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[len];
                    boolean[] use = new boolean[len];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        use[j] = !(j < t && j > i) && !(j >= t && !cm[n][j - t]);
                        if (!use[j]) continue;
                        double dot = 0, norm = 0;
                        for (int d = 0; d < dh; d++) {
                            dot += qk[i][hh * dh + d] * qk[j][hh * dh + d];
                            norm += qk[j][hh * dh + d] * qk[j][hh * dh + d];
                        }
                        s[j] = j == i ? -5e4 : dot / Math.sqrt(norm) / Math.sqrt(dh);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < len; j++) if (use[j]) z += Math.exp(s[j] - max);
                    for (int j = 0; j < len; j++) {
                        if (!use[j]) continue;
                        double p = Math.exp(s[j] - max) / z;
                        for (int d = 0; d < dh; d++) merged[i][hh * dh + d] += p * v[j][hh * dh + d];
                    }
                }
            }
            for (int i = 0; i < t; i++) {
                for (int o = 0; o < DIM; o++) {
                    double acc = bo[o];
                    for (int e = 0; e < wide; e++) acc += wo[o * wide + e] * merged[i][e];
                    out[(n * t + i) * DIM + o] = acc;
                }
            }
        }
        return out;
    }

    private static ReformerLM decoder(int reverseThres, int fullAttnThres) {
        return ReformerLM.builder().numTokens(10).dim(DIM).depth(2).heads(2).dimHead(4).bucketSize(4).nHashes(2).maxSeqLen(16)
                .causal(true).reverseThres(reverseThres).fullAttnThres(fullAttnThres).dtype(DType.F64).seed(9).build();
    }

    private static final Tensor IDS = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 8, 7, 6, 5, 4, 3, 2}, 2, T);

    @Test
    void maskedKeysDoNotChangeTheOutput() {
        ReformerLM m = decoder(0, 100);
        Tensor k = GradCheck.rand(11, -1, 1, 2, 6, DIM);
        boolean[] keep = {true, false, true, true, false, true, false, true, true, true, true, true};
        double[] changed = k.toDoubleArray();
        for (int i = 0; i < keep.length; i++) {
            if (!keep[i]) for (int e = 0; e < DIM; e++) changed[i * DIM + e] += 5 + e;
        }
        Tensor mask = Tensor.of(keep, 2, 6);
        try (var ng = GradMode.noGrad()) {
            double[] a = m.forward(IDS, null, k, mask, null).toDoubleArray();
            double[] b = m.forward(IDS, null, Tensor.of(changed, 2, 6, DIM), mask, null).toDoubleArray();
            double[] open = m.forward(IDS, null, Tensor.of(changed, 2, 6, DIM), null, null).toDoubleArray();
            double moved = 0;
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 0.0, "element " + i);
                moved = Math.max(moved, Math.abs(open[i] - a[i]));
            }
            assertTrue(moved > 1e-3, "unmasked, the changed keys must change the output (moved " + moved + ")");
        }
    }

    @Test
    void keysGradientMatchesFiniteDifferences() {
        for (int reverseThres : new int[] {0, 1000}) { // the reversible stack's backward, then plain autograd
            for (int thres : new int[] {0, 100}) { // LSH over T + C = 16, then full attention
                ReformerLM m = decoder(reverseThres, thres);
                m.setRotationSource(fixedRotations());
                Tensor mask = Tensor.of(new boolean[] {true, true, false, true, true, true, true, true, true, true, true, true, true, true,
                        true, false}, 2, C);
                Tensor k = GradCheck.rand(12, -1, 1, 2, C, DIM);
                GradCheck.check("keys, reverseThres " + reverseThres + ", fullAttnThres " + thres,
                        in -> m.forward(IDS, null, in[0], mask, null), 1e-6, 1e-6, k);
            }
        }
    }

    private static void messageHas(Throwable e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
    }

    @Test
    void badKeysAndMasksAreRefused() {
        ReformerLM m = decoder(0, 100);
        var e = assertThrows(IllegalArgumentException.class, () -> m.forward(IDS, null, GradCheck.rand(1, 0, 1, 2, 4, 6), null, null));
        messageHas(e, "keys", "dim = 8", "[2, 4, 6]");
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(IDS, null, GradCheck.rand(1, 0, 1, 3, 4, DIM), null, null));
        messageHas(e, "B = 2", "[3, 4, 8]");
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(IDS, null, GradCheck.rand(1, 0, 1, 2, 4, DIM), Tensor.full(new int[] {2, 5}, 1, DType.BOOL, Device.CPU), null));
        messageHas(e, "context mask", "[2, 5]", "[2, 4]");
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(IDS, null, null, Tensor.full(new int[] {2, 5}, 1, DType.BOOL, Device.CPU), null));
        messageHas(e, "without keys");
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(IDS, null, GradCheck.rand(1, 0, 1, 2, 4, DIM).to(DType.F32), null, null));
        messageHas(e, "F32", "F64");
        // LSH needs T + C to be a multiple of 2 x bucketSize unless the Autopadder pads
        ReformerLM lsh = decoder(0, 0);
        e = assertThrows(IllegalArgumentException.class, () -> lsh.forward(IDS, null, GradCheck.rand(1, 0, 1, 2, 3, DIM), null, null));
        messageHas(e, "11", "multiple of 2 x bucket size = 8");
        double[] padded = new Autopadder(lsh).forward(IDS, null, GradCheck.rand(1, 0, 1, 2, 3, DIM), null, null).toDoubleArray();
        assertEquals(2 * T * 10, padded.length);
    }
}
