package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * The flat decoding step ({@link FlatDecoder}, CPU float32) against the tensor-op step and against re-running
 * the whole prefix, on every option it covers (memory slots, absolute / axial / fixed positions, GLU, each
 * activation, one value head, embDim != dim); options it does not cover fall back to the tensor step; generation
 * through it samples the tokens of uncached generation.
 */
class FlatDecoderTest {
    private static final int T = 20, V = 37;

    private static ReformerLM model(UnaryOperator<ReformerConfig.Builder<ReformerLM>> options) {
        var b = ReformerLM.builder().numTokens(V).dim(16).depth(2).heads(2).dimHead(8).bucketSize(4).maxSeqLen(T).causal(true)
                .fullAttnThres(64).lshDropout(0.1).seed(5);
        ReformerLM m = options.apply(b).build();
        m.eval();
        return m;
    }

    /** Every position's logits by the flat cache, the tensor cache and the full forward, batch of 2. */
    private static void agree(String what, ReformerLM m) {
        long[] ids = new long[2 * T];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 11 + 2) % V;
        try (var ng = GradMode.noGrad()) {
            double[] full = m.forward(Tensor.of(ids, 2, T), null).toDoubleArray();
            DecodeCache flat = m.newDecodeCache(), tensors = m.newDecodeCache(false);
            assertTrue(flat.isFlat(), what + ": flat decoder expected");
            assertFalse(tensors.isFlat());
            for (int p = 0; p < T; p++) {
                Tensor col = Tensor.of(new long[] {ids[p], ids[T + p]}, 2, 1);
                double[] a = m.step(col, flat).toDoubleArray(), b = m.step(col, tensors).toDoubleArray();
                for (int r = 0; r < 2; r++) {
                    for (int v = 0; v < V; v++) {
                        double want = full[(r * T + p) * V + v];
                        String at = what + " position " + p + " row " + r + " token " + v;
                        assertEquals(want, a[r * V + v], 2e-5, "flat vs full forward, " + at);
                        assertEquals(b[r * V + v], a[r * V + v], 2e-5, "flat vs tensor step, " + at);
                    }
                }
            }
        }
    }

    @Test
    void plainModel() {
        agree("plain", model(b -> b));
    }

    @Test
    void memorySlotsAndAbsolutePositions() {
        agree("memKv 3, absolute", model(b -> b.numMemKv(3).absolutePositionEmb(true)));
    }

    @Test
    void gluSiluAndOneValueHead() {
        agree("glu silu oneValueHead", model(b -> b.ffGlu(true).ffActivation("silu").oneValueHead(true)));
    }

    @Test
    void embeddingWidthAndAxialPositions() {
        agree("embDim 12, axial", model(b -> b.embDim(12).axialPositionEmb(true).axialPositionShape(4, 5)));
    }

    @Test
    void reluTanhGeluAndFixedPositions() {
        agree("relu, fixed", model(b -> b.ffActivation("relu").fixedPositionEmb(true).ffMult(2)));
        agree("gelu_tanh, weightTie", model(b -> b.ffActivation("gelu_tanh").weightTie(true)));
    }

    @Test
    void productsSharedWithTheHelperThread() {
        // dim 64, 4 heads of 32, ffMult 4: every product is cut in chunks for the helper (FlatDecoder.CHUNK_MACS)
        agree("wide", model(b -> b.dim(64).heads(4).dimHead(32).numMemKv(2)));
    }

    @Test
    void uncoveredOptionsUseTensorSteps() {
        assertFalse(model(b -> b.useRezero(true)).newDecodeCache().isFlat(), "ReZero");
        assertFalse(model(b -> b.useScaleNorm(true)).newDecodeCache().isFlat(), "ScaleNorm");
        assertFalse(model(b -> b.weightTieEmbedding(true)).newDecodeCache().isFlat(), "tied output");
        assertFalse(model(b -> b.dtype(DType.F64)).newDecodeCache().isFlat(), "float64");
    }

    @Test
    void badStepsAreRefused() {
        ReformerLM m = model(b -> b);
        DecodeCache c = m.newDecodeCache();
        try (var ng = GradMode.noGrad()) {
            var wide = assertThrows(IllegalArgumentException.class, () -> m.step(Tensor.of(new long[] {1, 2}, 1, 2), c));
            assertTrue(wide.getMessage().contains("[1, 2]"), wide.getMessage());
            m.step(Tensor.of(new long[] {1, 2}, 2, 1), c);
            var batch = assertThrows(IllegalArgumentException.class, () -> m.step(Tensor.of(new long[] {1}, 1, 1), c));
            assertTrue(batch.getMessage().contains("batch of 1 rows") && batch.getMessage().contains("started with 2"), batch.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> m.step(Tensor.of(new long[] {V, 0}, 2, 1), c));
        }
    }

    @Test
    void flatCachedGenerationSamplesTheUncachedTokens() {
        ReformerLM m = model(b -> b.numMemKv(2).ffGlu(true));
        var w = new TrainingWrapper(m, 0, 0);
        long[][] prompts = {{1, 2, 3}, {4, 5, 6}};
        Sampling s = Sampling.topK(0.7).temperature(0.9).seed(7);
        long[][] cached = w.generate(prompts, 15, s), plain = w.generate(prompts, 15, s.useCache(false));
        for (int i = 0; i < 2; i++) assertArrayEquals(plain[i], cached[i], "row " + i);
    }
}
