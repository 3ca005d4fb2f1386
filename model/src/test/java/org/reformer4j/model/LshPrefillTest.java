package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * Filling the LSH decode cache from one forward over the prompt ({@link ReformerLM#prefill}): (1) its logits are
 * the uncached forward's last position with the same rotations, bit for bit (float64 and float32, depth 2-3, prompts
 * that are and are not multiples of 2 x bucketSize, memory slots, local heads, rotary or absolute positions,
 * reversible or not, tied weights with product-key memory, hash rounds changed at inference, full attention below
 * the threshold), and the forward draws its rotations through the cache once per layer and bucket count; caches the
 * forward cannot fill (full attention, local heads beside memory slots) step through the prompt; (2) at depth 1 the
 * steps after a prefill equal those after stepping through the prompt (layer 0's states do not depend on the
 * prefix); (3) while the forward's and the step's windows hold the whole causal prefix (one hash round, padded
 * length + memory slots = 2 x bucketSize), prefill + steps equal the uncached forward at every position and depth; (4) generation with a prompt draws the uncached first token and
 * then follows prefill + steps; bad input is refused by name.
 */
class LshPrefillTest {
    /** Fixed rotations: the same tensor for a (layer, shape), whichever pass asks. */
    private static final RotationSource FIXED = (layer, shape, dtype) ->
            Tensor.randn(shape, 7100 + 31L * layer + shape[0] * 7L + shape[2] * 3L + shape[3], 2, 0, dtype, Device.CPU);

    private static ReformerLM model(int depth, int bs, DType dt, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {
        ReformerConfig.Builder<ReformerLM> b = ReformerLM.builder().numTokens(19).dim(16).depth(depth).heads(2).dimHead(8)
                .bucketSize(bs).maxSeqLen(48).nHashes(2).causal(true).dtype(dt).seed(11 + depth);
        ReformerLM m = more.apply(b).build();
        m.setRotationSource(FIXED);
        m.eval();
        return m;
    }

    private static long[][] prompts(int b, int n, int salt) {
        long[][] ids = new long[b][n];
        for (int i = 0; i < b; i++) for (int p = 0; p < n; p++) ids[i][p] = (p * 5L + (i + salt) * 11L + (p * p) % 7) % 19;
        return ids;
    }

    private static Tensor ids(long[][] ids, int from, int n) {
        long[] flat = new long[ids.length * n];
        for (int i = 0; i < ids.length; i++) System.arraycopy(ids[i], from, flat, i * n, n);
        return Tensor.of(flat, ids.length, n);
    }

    /** The last position's logits [B * V] of the uncached pass over the first t tokens (the Autopadder's, as generation runs it). */
    private static double[] uncachedLast(ReformerLM m, long[][] ids, int t) {
        Tensor logits = new Autopadder(m).forward(ids(ids, 0, t), null, null);
        return logits.narrow(1, t - 1, 1).contiguous().toDoubleArray();
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, what + " [" + i + "]");
    }

    record Case(String name, int depth, int bs, DType dt, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}

    private static final List<Case> CASES = List.of(
            new Case("depth 2 bs 4 f64", 2, 4, DType.F64, b -> b),
            new Case("depth 3 bs 8 f64 irreversible", 3, 8, DType.F64, b -> b.reverseThres(1000)),
            new Case("depth 2 bs 4 f64 3 memory slots", 2, 4, DType.F64, b -> b.numMemKv(3)),
            new Case("depth 3 bs 4 f64 1 of 3 heads local", 3, 4, DType.F64, b -> b.heads(3).nLocalAttnHeads(1)),
            new Case("depth 2 bs 8 f64 absolute positions, one value head", 2, 8, DType.F64, b -> b.absolutePositionEmb(true).oneValueHead(true)),
            new Case("depth 2 bs 4 f64 no duplicates, no crossing, per-head rotations", 2, 4, DType.F64,
                    b -> b.lshAllowDuplicateAttention(false).lshAttendAcrossBuckets(false).randomRotationsPerHead(true)),
            new Case("depth 2 bs 4 f64 full attention up to 12", 2, 4, DType.F64, b -> b.fullAttnThres(12)),
            new Case("depth 3 bs 4 f32", 3, 4, DType.F32, b -> b),
            new Case("depth 2 bs 4 f64 tied weights, ScaleNorm, product-key memory on layer 1", 2, 4, DType.F64,
                    b -> b.weightTie(true).useScaleNorm(true).pkmLayers(1).pkmNumKeys(32)),
            new Case("depth 2 bs 8 f32 5 memory slots", 2, 8, DType.F32, b -> b.numMemKv(5)),
            new Case("depth 2 bs 8 f32 2 of 3 heads local, per-head rotations", 2, 8, DType.F32,
                    b -> b.heads(3).nLocalAttnHeads(2).randomRotationsPerHead(true)));

    @Test
    void prefillLogitsEqualTheUncachedLastPosition() {
        long[][] ids = prompts(2, 48, 1);
        try (var ng = GradMode.noGrad()) {
            for (Case c : CASES) {
                ReformerLM m = model(c.depth(), c.bs(), c.dt(), c.more());
                int m2 = 2 * c.bs(), mem = m.config().numMemKv;
                for (int t0 : new int[] {1, 5, m2 - mem, m2 + 3, 2 * m2 - mem, 37}) {
                    DecodeCache cache = m.newDecodeCache();
                    double[] got = m.prefill(ids(ids, 0, t0), cache).toDoubleArray();
                    // the same forward: bit for bit, float32 too
                    assertArrayEquals(uncachedLast(m, ids, t0), got, c.name() + " prompt " + t0);
                    assertEquals(t0, cache.length(), c.name() + " cache length");
                    for (int k = 0; k < 3; k++) { // steps go on from the prefill (across a new bucket count too)
                        double[] next = m.step(ids(ids, t0 + k, 1), cache).toDoubleArray();
                        for (double v : next) assertTrue(Double.isFinite(v), c.name() + " step " + k);
                    }
                }
            }
            // hash rounds changed at inference: the forward and the cache use 3
            ReformerLM m = model(2, 4, DType.F64, b -> b);
            m.setNumHashes(3);
            DecodeCache cache = m.newDecodeCache();
            assertArrayEquals(uncachedLast(m, ids, 13), m.prefill(ids(ids, 0, 13), cache).toDoubleArray(), "3 rounds");
            m.step(ids(ids, 13, 1), cache);
        }
    }

    @Test
    void paddedForTheMemorySlotsWhereTheAutopadderIsNot() {
        // t0 <= fullAttnThres < t0 + numMemKv: the LSH layers need t0 + 3 to be a multiple of 8, the Autopadder does not
        // pad; the prefill runs the model on the prompt padded (and masked) to 13 tokens
        ReformerLM m = model(2, 4, DType.F64, b -> b.numMemKv(3).fullAttnThres(8));
        long[][] ids = prompts(2, 10, 4);
        try (var ng = GradMode.noGrad()) {
            assertThrows(IllegalArgumentException.class, () -> new Autopadder(m).forward(ids(ids, 0, 7), null, null));
            long[] padded = new long[2 * 13];
            boolean[] keep = new boolean[2 * 13];
            for (int i = 0; i < 2; i++) {
                System.arraycopy(ids[i], 0, padded, i * 13, 7);
                for (int p = 0; p < 7; p++) keep[i * 13 + p] = true;
            }
            double[] want = m.forward(Tensor.of(padded, 2, 13), Tensor.of(keep, 2, 13)).narrow(1, 6, 1).contiguous().toDoubleArray();
            DecodeCache cache = m.newDecodeCache();
            assertArrayEquals(want, m.prefill(ids(ids, 0, 7), cache).toDoubleArray());
            m.step(ids(ids, 7, 1), cache);
        }
    }

    @Test
    void theForwardAndTheStepsShareTheSessionRotations() {
        // the model's own generator: every draw differs, so the steps agree with stepping through the prompt only if the
        // prefill's forward hashed with the rotations the cache keeps for its steps (one draw per layer and bucket count)
        long[][] ids = prompts(2, 40, 7);
        java.util.Map<Long, Tensor> drawn = new java.util.HashMap<>();
        java.util.Map<Long, Integer> calls = new java.util.HashMap<>();
        ReformerLM m = model(1, 4, DType.F64, b -> b.numMemKv(1));
        RotationSource own = RotationSource.of(m.generator());
        m.setRotationSource((layer, shape, dtype) -> {
            long key = ((long) layer << 32) | shape[3];
            calls.merge(key, 1, Integer::sum);
            Tensor r = own.rotations(layer, shape, dtype);
            drawn.put(key, r);
            return r;
        });
        int t0 = 18, k = 12; // 19 positions with the slot: 6 buckets; the steps reach 8 (at 24 + 1) buckets
        try (var ng = GradMode.noGrad()) {
            DecodeCache filled = m.newDecodeCache();
            double[][] got = new double[k + 1][];
            got[0] = m.prefill(ids(ids, 0, t0), filled).toDoubleArray();
            for (int j = 0; j < k; j++) got[j + 1] = m.step(ids(ids, t0 + j, 1), filled).toDoubleArray();
            assertEquals(java.util.Map.of(3L, 1, 4L, 1), calls, "one draw for layer 0 at 6 and at 8 buckets (3 and 4 rotation columns)");
            // the uncached forward with the drawn rotations gives the prefill's logits
            m.setRotationSource((layer, shape, dtype) -> drawn.getOrDefault(((long) layer << 32) | shape[3], FIXED.rotations(layer, shape, dtype)));
            assertArrayEquals(uncachedLast(m, ids, t0), got[0], "first token");
            DecodeCache stepped = m.newDecodeCache();
            for (int p = 0; p < t0; p++) m.step(ids(ids, p, 1), stepped);
            for (int j = 0; j < k; j++) assertClose(m.step(ids(ids, t0 + j, 1), stepped).toDoubleArray(), got[j + 1], 1e-10, "step " + j);
        }
    }

    @Test
    void localHeadsWithoutAForwardStepThroughThePrompt() {
        // local heads need the padded prompt to be a multiple of their window 2 bs: with 2 memory slots (t0 + 2 padded to
        // a multiple of 8) or under fullAttnThres (no padding) it is not, and the prefill steps through the prompt
        long[][] ids = prompts(2, 16, 6);
        try (var ng = GradMode.noGrad()) {
            for (var more : List.<UnaryOperator<ReformerConfig.Builder<ReformerLM>>>of(b -> b.numMemKv(2), b -> b.fullAttnThres(12))) {
                ReformerLM m = model(2, 4, DType.F64, b -> more.apply(b.heads(3).nLocalAttnHeads(1)));
                int t0 = 7;
                DecodeCache stepped = m.newDecodeCache(), filled = m.newDecodeCache();
                double[] want = null;
                for (int p = 0; p < t0; p++) want = m.step(ids(ids, p, 1), stepped).toDoubleArray();
                assertArrayEquals(want, m.prefill(ids(ids, 0, t0), filled).toDoubleArray());
                assertArrayEquals(m.step(ids(ids, t0, 1), stepped).toDoubleArray(), m.step(ids(ids, t0, 1), filled).toDoubleArray());
            }
        }
    }

    @Test
    void fullAttentionCachesStepThroughThePrompt() {
        // a model under fullAttnThres at every length keeps a flat (or tensor) cache: the prefill is its steps
        ReformerLM m = model(2, 4, DType.F32, b -> b.fullAttnThres(48));
        long[][] ids = prompts(2, 10, 8);
        try (var ng = GradMode.noGrad()) {
            for (boolean flat : new boolean[] {true, false}) {
                DecodeCache stepped = m.newDecodeCache(flat), filled = m.newDecodeCache(flat);
                double[] want = null;
                for (int p = 0; p < 9; p++) want = m.step(ids(ids, p, 1), stepped).toDoubleArray();
                assertArrayEquals(want, m.prefill(ids(ids, 0, 9), filled).toDoubleArray(), "flat " + flat);
                assertEquals(9, filled.length());
            }
        }
    }

    @Test
    void depthOneStepsAfterAPrefillEqualSteppingThroughThePrompt() {
        int k = 12;
        long[][] ids = prompts(2, 40, 2);
        try (var ng = GradMode.noGrad()) {
            for (Case c : CASES) {
                ReformerLM m = model(1, c.bs(), c.dt(), c.more());
                double tol = c.dt() == DType.F64 ? 1e-10 : 2e-5;
                int m2 = 2 * c.bs(), mem = m.config().numMemKv;
                for (int t0 : new int[] {2, m2 - mem, m2 + 3, 21}) {
                    DecodeCache stepped = m.newDecodeCache(), filled = m.newDecodeCache();
                    double[] last = null;
                    for (int p = 0; p < t0; p++) last = m.step(ids(ids, p, 1), stepped).toDoubleArray();
                    double[] first = m.prefill(ids(ids, 0, t0), filled).toDoubleArray();
                    if ((t0 + mem) % m2 == 0 || t0 + mem <= m.config().fullAttnThres) {
                        assertClose(last, first, tol, c.name() + " prompt " + t0 + " first token"); // no padding: the same windows
                    }
                    for (int j = 0; j < k; j++) {
                        double[] want = m.step(ids(ids, t0 + j, 1), stepped).toDoubleArray();
                        double[] got = m.step(ids(ids, t0 + j, 1), filled).toDoubleArray();
                        assertClose(want, got, tol, c.name() + " prompt " + t0 + " step " + j);
                    }
                }
            }
        }
    }

    @Test
    void everyDepthAgreesWhileWindowsHoldThePrefix() {
        // one round and padded length + memory slots = 2 bs: every window (forward's and step's) holds every position
        record Deep(String name, int bs, int t0, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}
        List<Deep> cases = List.of(
                new Deep("rotary", 4, 3, b -> b),
                new Deep("2 memory slots", 4, 3, b -> b.numMemKv(2)),
                new Deep("1 of 3 heads local, no duplicates", 4, 4, b -> b.heads(3).nLocalAttnHeads(1).lshAllowDuplicateAttention(false)),
                new Deep("bs 8, 3 memory slots, irreversible", 8, 6, b -> b.numMemKv(3).reverseThres(1000)));
        long[][] ids = prompts(2, 16, 3);
        try (var ng = GradMode.noGrad()) {
            for (Deep c : cases) {
                ReformerLM m = model(3, c.bs(), DType.F64, b -> c.more().apply(b.nHashes(1)));
                int end = 2 * c.bs() - m.config().numMemKv;
                DecodeCache cache = m.newDecodeCache();
                double[] got = m.prefill(ids(ids, 0, c.t0()), cache).toDoubleArray();
                for (int t = c.t0(); ; t++) {
                    assertClose(uncachedLast(m, ids, t), got, 1e-10, c.name() + " position " + (t - 1));
                    if (t == end) break;
                    got = m.step(ids(ids, t, 1), cache).toDoubleArray();
                }
            }
        }
    }

    @Test
    void generationPrefillsThePrompt() {
        Sampling s = Sampling.topK(0.8).temperature(0.7).seed(5);
        long[][] prompts = prompts(2, 21, 5);
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            ReformerLM m = model(2, 4, dt, b -> b.numMemKv(1));
            var w = new TrainingWrapper(m, 0, 0);
            // the first token is the uncached generation's
            assertArrayEquals(w.generate(prompts, 1, s.useCache(false))[0], w.generate(prompts, 1, s)[0], dt + " first token row 0");
            assertArrayEquals(w.generate(prompts, 1, s.useCache(false))[1], w.generate(prompts, 1, s)[1], dt + " first token row 1");
            // later tokens: the same draws over prefill + steps, made here
            long[][] got = w.generate(prompts, 9, s);
            var rng = new org.reformer4j.core.random.Generator(s.seed(), 2);
            long[][] seq = new long[2][30];
            for (int i = 0; i < 2; i++) System.arraycopy(prompts[i], 0, seq[i], 0, 21);
            try (var ng = GradMode.noGrad()) {
                DecodeCache cache = m.newDecodeCache();
                double[] logits = m.prefill(ids(prompts, 0, 21), cache).toDoubleArray();
                for (int p = 21; p < 30; p++) {
                    double[] u = new double[2];
                    rng.uniform(u);
                    for (int i = 0; i < 2; i++) seq[i][p] = s.draw(java.util.Arrays.copyOfRange(logits, i * 19, (i + 1) * 19), u[i]);
                    if (p + 1 < 30) logits = m.step(ids(seq, p, 1), cache).toDoubleArray();
                }
            }
            for (int i = 0; i < 2; i++) assertArrayEquals(java.util.Arrays.copyOfRange(seq[i], 21, 30), got[i], dt + " row " + i);
        }
    }

    @Test
    void badInputIsRefused() {
        ReformerLM m = model(2, 4, DType.F64, b -> b);
        var w = new TrainingWrapper(m, 0, 0);
        var range = assertThrows(IndexOutOfBoundsException.class, () -> w.generate(new long[] {1, 2, 19, 3}, 2, Sampling.topK(0.9)));
        assertTrue(range.getMessage().contains("token id 19") && range.getMessage().contains("numTokens = 19"), range.getMessage());
        try (var ng = GradMode.noGrad()) {
            var tooLong = assertThrows(IllegalArgumentException.class, () -> m.prefill(ids(prompts(1, 49, 0), 0, 49), m.newDecodeCache()));
            assertTrue(tooLong.getMessage().contains("49") && tooLong.getMessage().contains("maxSeqLen 48"), tooLong.getMessage());
            DecodeCache used = m.newDecodeCache();
            m.step(ids(prompts(1, 1, 0), 0, 1), used);
            var again = assertThrows(IllegalArgumentException.class, () -> m.prefill(ids(prompts(1, 4, 0), 0, 4), used));
            assertTrue(again.getMessage().contains("already holds 1 positions"), again.getMessage());
            DecodeCache two = m.newDecodeCache();
            m.prefill(ids(prompts(2, 4, 0), 0, 4), two);
            var batch = assertThrows(IllegalArgumentException.class, () -> m.step(ids(prompts(1, 1, 0), 0, 1), two));
            assertTrue(batch.getMessage().contains("started with 2"), batch.getMessage());
            var rounds = assertThrows(IllegalArgumentException.class, () -> {
                m.setNumHashes(3);
                m.step(ids(prompts(2, 1, 0), 0, 1), two);
            });
            assertTrue(rounds.getMessage().contains("2 hash rounds"), rounds.getMessage());
            m.setNumHashes(2);
        }
    }
}
