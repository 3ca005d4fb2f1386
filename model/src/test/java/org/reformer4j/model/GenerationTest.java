package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * Generation: incremental decoding through {@link DecodeCache} gives the logits of re-running the whole
 * prefix (memory slots and positional embeddings included), cached and uncached sampling produce the same
 * tokens, eos stops a batch, and the top-k / top-p filters keep what they should.
 */
class GenerationTest {
    private static ReformerLM model(int memKv, boolean absolutePos) {
        return ReformerLM.builder().numTokens(40).dim(16).depth(2).heads(2).dimHead(8).bucketSize(4).maxSeqLen(24)
                .causal(true).fullAttnThres(24 + memKv).numMemKv(memKv).absolutePositionEmb(absolutePos).seed(3).build();
    }

    @Test
    void cachedStepsEqualFullForward() {
        for (int mem : new int[] {0, 3}) {
            ReformerLM m = model(mem, mem > 0);
            m.eval();
            long[] ids = new long[2 * 24];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 7 + 3) % 40;
            try (var ng = GradMode.noGrad()) {
                double[] full = m.forward(Tensor.of(ids, 2, 24), null).toDoubleArray();
                DecodeCache cache = m.newDecodeCache();
                for (int p = 0; p < 24; p++) {
                    double[] row = m.step(Tensor.of(new long[] {ids[p], ids[24 + p]}, 2, 1), cache).toDoubleArray();
                    for (int b = 0; b < 2; b++) {
                        for (int v = 0; v < 40; v++) {
                            double want = full[(b * 24 + p) * 40 + v];
                            assertEquals(want, row[b * 40 + v], 2e-5, "memKv " + mem + " position " + p + " row " + b + " token " + v);
                        }
                    }
                }
            }
        }
    }

    @Test
    void cachedAndUncachedGenerationAgree() {
        ReformerLM m = model(0, false);
        var w = new TrainingWrapper(m, 0, 0);
        long[][] prompts = {{1, 2, 3}, {4, 5, 6}};
        Sampling s = Sampling.topK(0.5).temperature(0.8).seed(11);
        long[][] cached = w.generate(prompts, 30, s);
        long[][] plain = w.generate(prompts, 30, s.useCache(false));
        assertEquals(30, cached[0].length);
        for (int i = 0; i < 2; i++) assertArrayEquals(plain[i], cached[i], "row " + i);
        assertTrue(m.isTraining(), "generate restores training mode");
    }

    @Test
    void eosStopsGeneration() {
        ReformerLM m = model(0, false);
        var w = new TrainingWrapper(m, 0, 0);
        Sampling greedy = Sampling.topK(0.99).seed(1); // k = int(0.01 * 40) -> 1: greedy
        long[] free = w.generate(new long[] {5}, 10, greedy);
        long eos = free[3];
        int first = 0;
        while (free[first] != eos) first++;
        long[] stopped = w.generate(new long[] {5}, 10, greedy.eos(eos));
        assertEquals(first + 1, stopped.length, "stops right after the first eos");
        assertArrayEquals(java.util.Arrays.copyOf(free, first + 1), stopped);
    }

    @Test
    void filtersKeepTheRightTokens() {
        double[] logits = {0, Math.log(2), Math.log(4), Math.log(8), Math.log(1)};
        // top-k with threshold 0.6 keeps int(0.4 * 5) = 2 tokens: 3 and 2, in probability 8:4
        Sampling k2 = Sampling.topK(0.6);
        assertEquals(3, k2.draw(logits, 0.0));
        assertEquals(3, k2.draw(logits, 0.66));
        assertEquals(2, k2.draw(logits, 0.67));
        // top-p 0.5 over all tokens keeps only the most likely (8/15 >= 0.5)
        Sampling p = Sampling.topK(0).topP(0.5);
        for (double u : new double[] {0, 0.5, 0.99}) assertEquals(3, p.draw(logits, u));
        // temperature -> large flattens: with k = 5 every token is reachable
        Sampling hot = Sampling.topK(0).temperature(1e6);
        assertEquals(4, hot.draw(logits, 0.999));
    }

    @Test
    void lshModelGeneratesPastMaxSeqLen() {
        // cached up to maxSeqLen 16, then the window is re-run for each of the last tokens
        ReformerLM m = ReformerLM.builder().numTokens(30).dim(16).depth(1).heads(2).dimHead(8).bucketSize(4).maxSeqLen(16)
                .causal(true).seed(4).build();
        assertTrue(m.supportsDecodeCache());
        long[] out = new TrainingWrapper(m, 0, 0).generate(new long[] {1, 2}, 20, Sampling.topK(0.9));
        assertEquals(20, out.length);
        for (long t : out) assertTrue(t >= 0 && t < 30);
    }
}
