package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Incremental decoding with encoder keys ({@link ReformerLM#newDecodeCache(Tensor, Tensor)}), against the uncached
 * pass that re-runs the prefix with the keys (the {@link Autopadder}'s, as generation runs it): (1) full attention
 * (sequence + memory slots + keys <= fullAttnThres), depth 2, with and without memory slots, a context mask with
 * false entries, flat and tensor steps, float32 and float64: every cached step equals the uncached last position, the
 * masked keys' values do not matter and the mask does; (2) LSH layers with keys: at depth 1 the step equals the
 * uncached pass wherever prefix + slots + keys is a multiple of 2 x bucketSize (same rotations; rounds, duplicate
 * correction, no crossing of buckets, memory slots, local heads, float32, full attention below the threshold), at
 * depth 3 at every position while each window holds the whole prefix, and a prefill of a prompt with keys gives the
 * uncached first step; (3) generation (TrainingWrapper and ReformerEncDec) uses the cache by default and, where the
 * cache is exact, draws the uncached tokens; (4) bad keys and masks are refused by name.
 */
class KeysDecodeCacheTest {
    /** Fixed rotations: the same tensor for a (layer, shape), whichever pass asks. */
    private static final RotationSource FIXED = (layer, shape, dtype) ->
            Tensor.randn(shape, 5100 + 37L * layer + shape[0] * 11L + shape[2] * 5L + shape[3], 3, 0, dtype, Device.CPU);
    private static final int V = 21, DIM = 16, B = 2;

    private static ReformerLM model(int depth, DType dt, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {
        ReformerConfig.Builder<ReformerLM> b = ReformerLM.builder().numTokens(V).dim(DIM).depth(depth).heads(2).dimHead(8).bucketSize(4)
                .maxSeqLen(32).nHashes(2).causal(true).dtype(dt).seed(17 + depth);
        ReformerLM m = more.apply(b).build();
        m.setRotationSource(FIXED);
        m.eval();
        return m;
    }

    private static long[][] tokens(int n, int salt) {
        long[][] ids = new long[B][n];
        for (int i = 0; i < B; i++) for (int p = 0; p < n; p++) ids[i][p] = (p * 7L + (i + salt) * 5L + (p * p) % 3) % V;
        return ids;
    }

    private static Tensor keys(int c, DType dt, long seed) {
        return Tensor.randn(new int[] {B, c, DIM}, seed, 0, 0, dt, Device.CPU);
    }

    /** Row 0 drops keys 1 and 3, row 1 its last key. */
    private static Tensor mask(int c) {
        boolean[] keep = new boolean[B * c];
        java.util.Arrays.fill(keep, true);
        keep[1] = keep[3] = false;
        keep[2 * c - 1] = false;
        return Tensor.of(keep, B, c);
    }

    private static Tensor ids(long[][] ids, int from, int n) {
        long[] flat = new long[ids.length * n];
        for (int i = 0; i < ids.length; i++) System.arraycopy(ids[i], from, flat, i * n, n);
        return Tensor.of(flat, ids.length, n);
    }

    /** The last position's logits [B * V] of the uncached pass over the first t tokens with the keys. */
    private static double[] uncachedLast(ReformerLM m, long[][] ids, int t, Tensor keys, Tensor mask) {
        Tensor logits = new Autopadder(m).forward(ids(ids, 0, t), null, keys, mask, null);
        return logits.narrow(1, t - 1, 1).contiguous().toDoubleArray();
    }

    /** The logits [T][B * V] of stepping through ids from an empty cache bound to the keys. */
    private static double[][] cached(ReformerLM m, long[][] ids, Tensor keys, Tensor mask, boolean flat) {
        DecodeCache cache = m.newDecodeCache(keys, mask, flat);
        assertEquals(flat, cache.isFlat(), "flat cache");
        int t = ids[0].length;
        double[][] out = new double[t][];
        for (int p = 0; p < t; p++) out[p] = m.step(ids(ids, p, 1), cache).toDoubleArray();
        return out;
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
        }
    }

    @Test
    void fullAttentionStepsEqualTheUncachedPass() {
        record Case(String name, DType dt, boolean flat, int mem, double tol) {}
        int c = 5;
        for (Case k : List.of(new Case("flat f32", DType.F32, true, 0, 2e-5), new Case("flat f32, 3 memory slots", DType.F32, true, 3, 2e-5),
                new Case("tensor f32, 3 memory slots", DType.F32, false, 3, 2e-5), new Case("tensor f64", DType.F64, false, 0, 1e-10),
                new Case("tensor f64, 3 memory slots, absolute positions", DType.F64, false, 3, 1e-10))) {
            ReformerLM m = model(2, k.dt(), b -> b.numMemKv(k.mem()).fullAttnThres(32 + k.mem() + c).absolutePositionEmb(k.mem() > 0));
            assertTrue(m.supportsDecodeCache(keys(c, k.dt(), 1)));
            long[][] ids = tokens(32, 1);
            Tensor keys = keys(c, k.dt(), 2), mask = mask(c);
            try (var ng = GradMode.noGrad()) {
                double[][] got = cached(m, ids, keys, mask, k.flat());
                for (int p = 0; p < 32; p++) assertClose(uncachedLast(m, ids, p + 1, keys, mask), got[p], k.tol(), k.name() + " position " + p);
                // the masked keys' values do not reach the steps; the mask does
                Tensor other = keys.clone();
                other.narrow(0, 0, 1).narrow(1, 1, 1).copyFrom(keys(c, k.dt(), 3).narrow(0, 0, 1).narrow(1, 1, 1));
                other.narrow(0, 1, 1).narrow(1, c - 1, 1).copyFrom(keys(c, k.dt(), 4).narrow(0, 1, 1).narrow(1, c - 1, 1));
                double[][] moved = cached(m, ids, other, mask, k.flat()), open = cached(m, ids, keys, null, k.flat());
                double diff = 0;
                for (int p = 0; p < 32; p++) {
                    assertArrayEquals(got[p], moved[p], k.name() + " position " + p + ": masked keys changed the logits");
                    for (int i = 0; i < got[p].length; i++) diff = Math.max(diff, Math.abs(got[p][i] - open[p][i]));
                }
                assertTrue(diff > 1e-4, k.name() + ": the context mask changed nothing (" + diff + ")");
            }
        }
    }

    @Test
    void lshDepthOneStepEqualsUncachedAtMultiplesOfTwoBuckets() {
        record Case(String name, int hashes, DType dt, int c, double tol, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}
        List<Case> cases = List.of(
                new Case("2 rounds f64", 2, DType.F64, 5, 1e-10, b -> b),
                new Case("3 rounds, no duplicates, no crossing, per-head rotations f64", 3, DType.F64, 5, 1e-10,
                        b -> b.lshAllowDuplicateAttention(false).lshAttendAcrossBuckets(false).randomRotationsPerHead(true)),
                new Case("2 rounds, 3 memory slots, rotary f64", 2, DType.F64, 6, 1e-10, b -> b.numMemKv(3)),
                // local heads see the tokens alone: the uncached pass needs its padded length, so slots + keys, a multiple of 2 bs
                new Case("2 rounds, absolute positions, one value head, 1 of 3 heads local f64", 2, DType.F64, 8, 1e-10,
                        b -> b.absolutePositionEmb(true).oneValueHead(true).heads(3).nLocalAttnHeads(1)),
                new Case("2 rounds, full attention up to 16 f64", 2, DType.F64, 5, 1e-10, b -> b.fullAttnThres(16)),
                new Case("4 rounds, 2 memory slots, full attention up to 16 f32", 4, DType.F32, 5, 2e-5, b -> b.numMemKv(2).fullAttnThres(16)));
        long[][] ids = tokens(32, 2);
        try (var ng = GradMode.noGrad()) {
            for (Case k : cases) {
                ReformerLM m = model(1, k.dt(), b -> k.more().apply(b.nHashes(k.hashes())));
                int slots = m.config().numMemKv + k.c(), thres = m.config().fullAttnThres;
                Tensor keys = keys(k.c(), k.dt(), 5), mask = mask(k.c());
                DecodeCache cache = m.newDecodeCache(keys, mask);
                assertTrue(cache.lshLayers(), k.name());
                double[][] got = new double[32][];
                for (int p = 0; p < 32; p++) got[p] = m.step(ids(ids, p, 1), cache).toDoubleArray();
                int checked = 0;
                for (int len = 1; len <= 32; len++) {
                    if ((len + slots) % 8 != 0 && len + slots > thres) continue; // padded: the forward's sort holds the padding
                    assertClose(uncachedLast(m, ids, len, keys, mask), got[len - 1], k.tol(), k.name() + " length " + len);
                    checked++;
                }
                assertTrue(checked >= 3, k.name() + ": " + checked + " lengths checked");
            }
        }
    }

    @Test
    void lshEveryDepthAgreesWhileWindowsHoldThePrefix() {
        // one round, bs 8: tokens + keys <= 2 bs = 16, every chunk window holds every item, at the step and in the forward
        long[][] ids = tokens(11, 3);
        try (var ng = GradMode.noGrad()) {
            for (boolean dup : new boolean[] {true, false}) {
                ReformerLM m = model(3, DType.F64, b -> b.nHashes(1).bucketSize(8).lshAllowDuplicateAttention(dup));
                Tensor keys = keys(5, DType.F64, 6), mask = mask(5);
                double[][] got = cached(m, ids, keys, mask, false);
                for (int p = 0; p < 11; p++) {
                    assertClose(uncachedLast(m, ids, p + 1, keys, mask), got[p], 1e-10, "duplicates " + dup + " position " + p);
                }
            }
        }
    }

    @Test
    void prefillWithKeysGivesTheUncachedFirstStep() {
        record Case(String name, int depth, int t0, int c, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}
        int c = 5;
        try (var ng = GradMode.noGrad()) {
            for (Case k : List.of(new Case("depth 2, prompt 11 (no padding)", 2, 11, 5, b -> b), new Case("depth 2, prompt 7 (padded)", 2, 7, 5, b -> b),
                    new Case("depth 3, prompt 9, 3 memory slots", 3, 9, 5, b -> b.numMemKv(3)),
                    new Case("depth 2, prompt 6 (padded), 1 of 3 heads local", 2, 6, 8, b -> b.heads(3).nLocalAttnHeads(1)),
                    new Case("depth 2, prompt 4, full attention up to 12", 2, 4, 5, b -> b.fullAttnThres(12)))) {
                ReformerLM m = model(k.depth(), DType.F64, k.more());
                long[][] ids = tokens(32, 4);
                Tensor keys = keys(k.c(), DType.F64, 7), mask = mask(k.c());
                DecodeCache cache = m.newDecodeCache(keys, mask);
                double[] first = m.prefill(ids(ids, 0, k.t0()), cache).toDoubleArray();
                assertEquals(k.t0(), cache.length(), k.name());
                assertClose(uncachedLast(m, ids, k.t0(), keys, mask), first, 1e-10, k.name());
            }
            // depth 1: the steps after a prefill are those after stepping through the prompt, and the uncached pass's at
            // lengths where prompt + keys is a multiple of 2 x bucketSize
            ReformerLM m = model(1, DType.F64, b -> b);
            long[][] ids = tokens(32, 5);
            Tensor keys = keys(c, DType.F64, 8), mask = mask(c);
            DecodeCache filled = m.newDecodeCache(keys, mask), stepped = m.newDecodeCache(keys, mask);
            m.prefill(ids(ids, 0, 9), filled);
            for (int p = 0; p < 9; p++) m.step(ids(ids, p, 1), stepped);
            for (int p = 9; p < 32; p++) {
                double[] got = m.step(ids(ids, p, 1), filled).toDoubleArray();
                assertClose(m.step(ids(ids, p, 1), stepped).toDoubleArray(), got, 1e-12, "after the prefill, position " + p);
                if ((p + 1 + c) % 8 == 0) assertClose(uncachedLast(m, ids, p + 1, keys, mask), got, 1e-10, "uncached, position " + p);
            }
        }
    }

    @Test
    void generationWithKeysUsesTheCache() {
        // an LSH decoder: generate draws from prefill + steps of a cache bound to the keys (made here)
        ReformerLM m = model(2, DType.F64, b -> b);
        int c = 5;
        Tensor keys = keys(c, DType.F64, 9), mask = mask(c);
        Sampling s = Sampling.topK(0.8).temperature(0.7).seed(3);
        long[][] prompts = tokens(5, 6);
        long[][] got = new TrainingWrapper(m, 0, 0).generate(prompts, 20, s, keys, mask), want = manual(m, prompts, 20, s, keys, mask);
        for (int i = 0; i < B; i++) assertArrayEquals(want[i], got[i], "row " + i);
    }

    /** The tokens [B][n] drawn as generate draws them from a prefill and steps of a cache bound to the keys. */
    private static long[][] manual(ReformerLM m, long[][] prompts, int n, Sampling s, Tensor keys, Tensor mask) {
        int t0 = prompts[0].length, v = m.config().numTokens;
        var rng = new org.reformer4j.core.random.Generator(s.seed(), 2);
        long[][] seq = new long[B][t0 + n];
        for (int i = 0; i < B; i++) System.arraycopy(prompts[i], 0, seq[i], 0, t0);
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = m.newDecodeCache(keys, mask);
            double[] logits = m.prefill(ids(prompts, 0, t0), cache).toDoubleArray();
            for (int p = t0 - 1; p < t0 + n - 1; p++) {
                if (p > t0 - 1) logits = m.step(ids(seq, p, 1), cache).toDoubleArray();
                double[] u = new double[B];
                rng.uniform(u);
                for (int i = 0; i < B; i++) seq[i][p + 1] = s.draw(java.util.Arrays.copyOfRange(logits, i * v, (i + 1) * v), u[i]);
            }
        }
        long[][] out = new long[B][n];
        for (int i = 0; i < B; i++) System.arraycopy(seq[i], t0, out[i], 0, n);
        return out;
    }

    private static ReformerEncDec encDec(java.util.function.Consumer<ReformerConfig.Builder<ReformerConfig>> decoder) {
        return ReformerEncDec.builder(DIM)
                .encoder(b -> b.numTokens(9).depth(1).heads(2).dimHead(8).maxSeqLen(8).fullAttnThres(64).absolutePositionEmb(true).seed(4))
                .decoder(decoder).build();
    }

    private static final Tensor SRC = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1}, 2, 8);
    private static final Tensor SRC_MASK = Tensor.of(new boolean[] {true, true, true, true, true, true, false, false,
        true, true, true, true, true, false, true, true}, 2, 8);

    @Test
    void encDecGenerationWithTheCacheDrawsTheUncachedTokens() {
        // full attention: decoder maxSeqLen 16 + 8 source keys <= fullAttnThres 24, float32 (the flat decoder) and float64
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int mem : new int[] {0, 2}) {
                ReformerEncDec m = ReformerEncDec.builder(DIM)
                        .encoder(b -> b.numTokens(9).depth(1).heads(2).dimHead(8).maxSeqLen(8).fullAttnThres(64).dtype(dt).seed(4))
                        .decoder(b -> b.numTokens(9).depth(2).heads(2).dimHead(8).maxSeqLen(16).numMemKv(mem).fullAttnThres(24 + mem)
                                .absolutePositionEmb(true).dtype(dt))
                        .build();
                Tensor keys;
                try (var ng = GradMode.noGrad()) {
                    m.encoder().eval();
                    keys = m.encode(SRC, SRC_MASK);
                }
                assertTrue(m.decoder().supportsDecodeCache(keys));
                assertFalse(m.decoder().newDecodeCache(keys, SRC_MASK).lshLayers());
                Sampling s = Sampling.topK(0.5).temperature(1.5).seed(12);
                long[][] prompts = {{0, 3}, {0, 5}};
                long[][] cached = m.generate(SRC, SRC_MASK, prompts, 14, s), plain = m.generate(SRC, SRC_MASK, prompts, 14, s.useCache(false));
                for (int i = 0; i < 2; i++) assertArrayEquals(plain[i], cached[i], dt + " memory " + mem + " row " + i);
                // past maxSeqLen the window is re-run (with the keys): 2 + 20 tokens
                long[][] longer = m.generate(SRC, SRC_MASK, prompts, 20, s), longerPlain = m.generate(SRC, SRC_MASK, prompts, 20, s.useCache(false));
                for (int i = 0; i < 2; i++) assertArrayEquals(longerPlain[i], longer[i], dt + " memory " + mem + " past maxSeqLen, row " + i);
            }
        }
        // an LSH decoder: ReformerEncDec.generate draws from the cache bound to the encoder's output by default
        ReformerEncDec m = encDec(b -> b.numTokens(9).depth(2).heads(2).dimHead(8).bucketSize(4).maxSeqLen(16).dtype(DType.F32));
        m.decoder().setRotationSource(FIXED);
        Tensor keys;
        try (var ng = GradMode.noGrad()) {
            m.encoder().eval();
            keys = m.encode(SRC, SRC_MASK);
        }
        Sampling s = Sampling.topK(0.5).seed(5);
        long[][] prompts = {{0, 1, 2}, {0, 4, 4}};
        m.decoder().eval();
        long[][] want = manual(m.decoder(), prompts, 10, s, keys, SRC_MASK);
        long[][] got = m.generate(SRC, SRC_MASK, prompts, 10, s);
        for (int i = 0; i < 2; i++) assertArrayEquals(want[i], got[i], "LSH decoder row " + i);
    }

    @Test
    void badKeysAndMasksAreRefused() {
        ReformerLM m = model(1, DType.F64, b -> b);
        Tensor keys = keys(5, DType.F64, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> m.newDecodeCache(Tensor.zeros(new int[] {B, 5, 8}, DType.F64, Device.CPU), null));
        assertTrue(e.getMessage().contains("dim = 16") && e.getMessage().contains("[2, 5, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.newDecodeCache(Tensor.zeros(new int[] {5, DIM}, DType.F64, Device.CPU), null));
        assertTrue(e.getMessage().contains("keys must be") && e.getMessage().contains("[5, 16]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.newDecodeCache(keys, Tensor.of(new boolean[] {true, false, true}, 1, 3)));
        assertTrue(e.getMessage().contains("context mask of shape [1, 3]") && e.getMessage().contains("[2, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.newDecodeCache(null, mask(5)));
        assertTrue(e.getMessage().contains("without keys"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.newDecodeCache(keys(5, DType.F32, 1), null));
        assertTrue(e.getMessage().contains("F32") || e.getMessage().contains("f32") || e.getMessage().contains("float32"), e.getMessage());
        // a cache belongs to its keys' batch
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = m.newDecodeCache(keys, null);
            e = assertThrows(IllegalArgumentException.class, () -> m.step(Tensor.of(new long[] {1}, 1, 1), cache));
            assertTrue(e.getMessage().contains("batch of 1 rows") && e.getMessage().contains("started with 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.prefill(Tensor.of(new long[] {1, 2, 3}, 1, 3), m.newDecodeCache(keys, null)));
            assertTrue(e.getMessage().contains("batch of 1 rows"), e.getMessage());
        }
        // generate: keys of the wrong batch or width, a mask of the wrong shape or without keys
        var w = new TrainingWrapper(m, 0, 0);
        long[][] prompts = tokens(3, 0);
        Sampling s = Sampling.topK(0.9);
        e = assertThrows(IllegalArgumentException.class, () -> w.generate(prompts, 2, s, Tensor.zeros(new int[] {3, 5, DIM}, DType.F64, Device.CPU), null));
        assertTrue(e.getMessage().contains("B = 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> w.generate(prompts, 2, s, Tensor.zeros(new int[] {B, 5, 4}, DType.F64, Device.CPU), null));
        assertTrue(e.getMessage().contains("dim = 16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> w.generate(prompts, 2, s, keys, Tensor.of(new boolean[] {true, true}, B, 1)));
        assertTrue(e.getMessage().contains("context mask of shape [2, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> w.generate(prompts, 2, s, null, mask(5)));
        assertTrue(e.getMessage().contains("without keys"), e.getMessage());
        // the same refusals without the cache
        for (Sampling any : new Sampling[] {s, s.useCache(false)}) {
            e = assertThrows(IllegalArgumentException.class, () -> w.generate(prompts, 2, any, keys, Tensor.of(new boolean[] {true}, 1, 1)));
            assertTrue(e.getMessage().contains("context mask of shape [1, 1]"), e.getMessage());
        }
        var acausal = assertThrows(IllegalStateException.class, () -> model(1, DType.F64, b -> b.causal(false)).newDecodeCache(keys, null));
        assertTrue(acausal.getMessage().contains("not causal"), acausal.getMessage());
    }
}
