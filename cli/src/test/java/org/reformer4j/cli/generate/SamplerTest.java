/*
 * Sampler against its definitions: reformer-pytorch's top_k keeps int((1 - thres) * V) logits; greedy,
 * top-k 1 and a tiny top-p all give the arg max; the empirical frequencies of plain sampling match the
 * softmax computed here in float64; a seed repeats its draws; bad settings are refused.
 */
package org.reformer4j.cli.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.cli.UserError;

class SamplerTest {
    private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.0f, 0.0f, 1.5f, -0.5f, 0.2f, 0.1f, -2.0f};

    @Test
    void filterThresKeepsReformerPytorchCount() {
        assertEquals(1, new Sampler(0.9, 0, 1, 1, 0).keep(10)); // int(0.1 * 10) = 1 (float: 0.99999 -> 0 -> at least 1)
        assertEquals(69, new Sampler(0.9, 0, 1, 1, 0).keep(692)); // int(0.1 * 692) = int(69.2)
        assertEquals(5, new Sampler(0.5, 0, 1, 1, 0).keep(10));
        assertEquals(3, new Sampler(0.9, 3, 1, 1, 0).keep(10));
        assertEquals(10, new Sampler(0.9, 30, 1, 1, 0).keep(10));
    }

    @Test
    void greedyChoicesPickTheArgMax() {
        assertEquals(1, new Sampler(0, 0, 1, 0, 1).sample(LOGITS));
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(1, new Sampler(0, 1, 1, 1, seed).sample(LOGITS));
            assertEquals(1, new Sampler(0, 0, 0.01, 1, seed).sample(LOGITS));
        }
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        int n = 20000;
        int[] count = new int[LOGITS.length];
        Sampler s = new Sampler(0, 0, 1, 1, 7);
        for (int i = 0; i < n; i++) count[s.sample(LOGITS)]++;
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        for (int i = 0; i < LOGITS.length; i++) {
            double p = Math.exp(LOGITS[i]) / z;
            double sd = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(count[i] - n * p) < 5 * sd + 1, "token " + i + ": " + count[i] + " draws, expected " + n * p);
        }
    }

    @Test
    void topPKeepsTheNucleus() {
        // probabilities sorted: token 1, 5, 3, 0, ...; with p just above P(1) + P(5) only those two remain
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        double p2 = (Math.exp(2.0) + Math.exp(1.5)) / z;
        Sampler s = new Sampler(0, 0, p2 - 1e-6, 1, 3);
        for (int i = 0; i < 500; i++) {
            int t = s.sample(LOGITS);
            assertTrue(t == 1 || t == 5, "token " + t);
        }
    }

    @Test
    void seedRepeatsDraws() {
        Sampler a = new Sampler(0, 0, 1, 1, 11), b = new Sampler(0, 0, 1, 1, 11);
        for (int i = 0; i < 50; i++) assertEquals(a.sample(LOGITS), b.sample(LOGITS));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(UserError.class, () -> new Sampler(1.0, 0, 1, 1, 0));
        assertThrows(UserError.class, () -> new Sampler(0.9, -1, 1, 1, 0));
        assertThrows(UserError.class, () -> new Sampler(0.9, 0, 0, 1, 0));
        assertThrows(UserError.class, () -> new Sampler(0.9, 0, 1, -0.5, 0));
    }
}
