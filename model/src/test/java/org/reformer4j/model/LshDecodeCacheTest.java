package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;

/**
 * Incremental decoding of models with LSH layers ({@link DecodeCache}, {@link LSHSelfAttention#step}):
 * (a) a depth-1 model's cached step equals the uncached forward's last position at every prefix length that is a
 * multiple of 2 x bucketSize (1-4 hash rounds, duplicate correction, no crossing of buckets, rotations per head,
 * rotary or absolute positions, memory slots, local heads, float64 and float32, mixed full/LSH lengths); (b) at every
 * depth while each window covers the whole causal prefix (and for full attention with local heads), cached equals
 * uncached at every position, and beyond that a depth-2 model's steps equal a
 * plain float64 reference of the window rule written here (explicit sort of (round, bucket, position), chunks of
 * bs, chunk c and c-1 with chunk 0 wrapping, masks, logsumexp mix of rounds); (c) generation uses the cache, and
 * a changed batch, a position beyond maxSeqLen and uncovered models are refused by name.
 */
class LshDecodeCacheTest {
    /** Fixed rotations: the same tensor for a (layer, shape), whichever pass asks. */
    private static final RotationSource FIXED = (layer, shape, dtype) ->
            Tensor.randn(shape, 9000 + 97L * layer + shape[0] * 13L + shape[3], 5, 0, dtype, Device.CPU);

    private static ReformerLM model(int depth, int hashes, DType dt, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {
        ReformerConfig.Builder<ReformerLM> b = ReformerLM.builder().numTokens(23).dim(16).depth(depth).heads(2).dimHead(8)
                .bucketSize(4).maxSeqLen(32).nHashes(hashes).causal(true).dtype(dt).seed(5 + hashes);
        ReformerLM m = more.apply(b).build();
        m.setRotationSource(FIXED);
        m.eval();
        return m;
    }

    private static long[] tokens(int n, int salt) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = (i * 7L + salt * 5L + (i * i) % 3) % 23;
        return ids;
    }

    /** Logits [B][T][V] of an uncached pass over ids [B][t] (through the Autopadder, as generation runs it). */
    private static double[][][] uncached(ReformerLM m, long[][] ids, int t) {
        int b = ids.length, v = m.config().numTokens;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(ids[i], 0, flat, i * t, t);
        double[] all = new Autopadder(m).forward(Tensor.of(flat, b, t), null, null).toDoubleArray();
        double[][][] out = new double[b][t][v];
        for (int i = 0; i < b; i++) for (int p = 0; p < t; p++) System.arraycopy(all, (i * t + p) * v, out[i][p], 0, v);
        return out;
    }

    /** The cached logits [B][T][V] of stepping through ids [B][T] from an empty cache. */
    private static double[][][] cached(ReformerLM m, long[][] ids) {
        int b = ids.length, t = ids[0].length, v = m.config().numTokens;
        double[][][] out = new double[b][t][v];
        DecodeCache cache = m.newDecodeCache();
        for (int p = 0; p < t; p++) {
            long[] col = new long[b];
            for (int i = 0; i < b; i++) col[i] = ids[i][p];
            double[] row = m.step(Tensor.of(col, b, 1), cache).toDoubleArray();
            for (int i = 0; i < b; i++) System.arraycopy(row, i * v, out[i][p], 0, v);
        }
        return out;
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, what + " [" + i + "]");
    }

    @Test
    void depthOneStepEqualsUncachedAtMultiplesOfTwoBuckets() {
        record Case(String name, int hashes, DType dt, double tol, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}
        List<Case> cases = List.of(
                new Case("1 round f64", 1, DType.F64, 1e-10, b -> b),
                new Case("2 rounds f64", 2, DType.F64, 1e-10, b -> b),
                new Case("3 rounds, no duplicates, no crossing, per-head rotations f64", 3, DType.F64, 1e-10,
                        b -> b.lshAllowDuplicateAttention(false).lshAttendAcrossBuckets(false).randomRotationsPerHead(true)),
                new Case("2 rounds, absolute positions, one value head f64", 2, DType.F64, 1e-10,
                        b -> b.absolutePositionEmb(true).oneValueHead(true)),
                new Case("2 rounds, full attention up to 8 f64", 2, DType.F64, 1e-10, b -> b.fullAttnThres(8)),
                new Case("2 rounds, 3 memory slots f64", 2, DType.F64, 1e-10, b -> b.numMemKv(3)),
                new Case("3 rounds, 5 memory slots, no duplicates, no crossing f64", 3, DType.F64, 1e-10,
                        b -> b.numMemKv(5).lshAllowDuplicateAttention(false).lshAttendAcrossBuckets(false)),
                new Case("2 rounds, 3 memory slots, full attention up to 8 f32", 2, DType.F32, 2e-5, b -> b.numMemKv(3).fullAttnThres(8)),
                new Case("2 rounds, 1 of 3 heads local, per-head rotations f64", 2, DType.F64, 1e-10,
                        b -> b.heads(3).nLocalAttnHeads(1).randomRotationsPerHead(true)),
                new Case("3 rounds, 2 of 3 heads local, full attention up to 8 f32", 3, DType.F32, 2e-5,
                        b -> b.heads(3).nLocalAttnHeads(2).fullAttnThres(8)),
                new Case("1 round f32", 1, DType.F32, 2e-5, b -> b),
                new Case("4 rounds, no duplicates f32", 4, DType.F32, 2e-5, b -> b.lshAllowDuplicateAttention(false)));
        long[][] ids = {tokens(32, 1), tokens(32, 2)};
        try (var ng = GradMode.noGrad()) {
            for (Case c : cases) {
                ReformerLM m = model(1, c.hashes(), c.dt(), c.more());
                double[][][] got = cached(m, ids);
                int mem = m.config().numMemKv;
                for (int len = 8 - mem; len <= 32; len += 8) { // token + memory lengths that need no padding
                    double[][][] want = uncached(m, ids, len);
                    for (int i = 0; i < 2; i++) assertClose(want[i][len - 1], got[i][len - 1], c.tol(), c.name() + " length " + len + " row " + i);
                }
                if (c.name().contains("full attention")) {
                    double[][][] want = uncached(m, ids, 8 - mem); // lengths up to fullAttnThres: every position agrees
                    for (int p = 0; p < 8 - mem; p++) assertClose(want[0][p], got[0][p], c.tol(), c.name() + " position " + p);
                }
            }
        }
    }

    @Test
    void everyDepthAgreesWhileWindowsCoverThePrefix() {
        // one round, L <= 2 bs: every chunk window holds the whole causal prefix, at the step and in the forward
        long[][] ids = {tokens(8, 3)};
        try (var ng = GradMode.noGrad()) {
            for (int local = 0; local < 2; local++) {
                for (boolean dup : new boolean[] {true, false}) {
                    int lh = local;
                    ReformerLM m = model(3, 1, DType.F64, b -> b.lshAllowDuplicateAttention(dup).nLocalAttnHeads(lh));
                    double[][][] got = cached(m, ids), want = uncached(m, ids, 8);
                    for (int p = 0; p < 8; p++) assertClose(want[0][p], got[0][p], 1e-10, "local " + lh + " duplicates " + dup + " position " + p);
                }
            }
            // full attention with a local head: every position agrees at every depth
            long[][] two = {tokens(32, 8), tokens(32, 9)};
            ReformerLM m = model(3, 2, DType.F64, b -> b.heads(3).nLocalAttnHeads(1).fullAttnThres(32));
            double[][][] got = cached(m, two), want = uncached(m, two, 32);
            for (int p = 0; p < 32; p++) {
                for (int i = 0; i < 2; i++) assertClose(want[i][p], got[i][p], 1e-10, "full + local position " + p + " row " + i);
            }
        }
    }

    @Test
    void deeperStepsEqualThePlainWindowRule() {
        record Case(int hashes, boolean across, boolean dup, boolean perHead, int mem) {}
        for (Case c : List.of(new Case(2, true, true, false, 0), new Case(3, false, false, true, 0), new Case(1, true, false, false, 0),
                new Case(2, true, false, false, 3))) {
            ReformerLM m = model(2, c.hashes(), DType.F64, b -> b.lshAttendAcrossBuckets(c.across()).lshAllowDuplicateAttention(c.dup())
                    .randomRotationsPerHead(c.perHead()).numMemKv(c.mem()).maxSeqLen(40));
            long[][] ids = {tokens(40, 4), tokens(40, 6)};
            try (var ng = GradMode.noGrad()) {
                double[][][] got = cached(m, ids);
                double[][][] want = new Reference(m, 2).decode(ids);
                for (int p = 0; p < 40; p++) {
                    for (int i = 0; i < 2; i++) assertClose(want[i][p], got[i][p], 1e-9, c + " position " + p + " row " + i);
                }
            }
        }
    }

    @Test
    void generationUsesTheCache() {
        ReformerLM m = model(2, 2, DType.F64, b -> b);
        assertTrue(m.supportsDecodeCache());
        Sampling s = Sampling.topK(0.8).temperature(0.7).seed(3);
        long[][] prompts = {tokens(5, 7), tokens(5, 8)};
        long[][] got = new TrainingWrapper(m, 0, 0).generate(prompts, 20, s);
        // the same draws over the cached steps' logits, made here
        var rng = new org.reformer4j.core.random.Generator(s.seed(), 2);
        long[][] seq = new long[2][25];
        for (int i = 0; i < 2; i++) System.arraycopy(prompts[i], 0, seq[i], 0, 5);
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = m.newDecodeCache();
            long[] prompt = new long[10];
            for (int i = 0; i < 2; i++) System.arraycopy(prompts[i], 0, prompt, i * 5, 5);
            double[] logits = m.prefill(Tensor.of(prompt, 2, 5), cache).toDoubleArray(); // generation fills the prompt at once
            for (int p = 4; p < 24; p++) {
                if (p > 4) logits = m.step(Tensor.of(new long[] {seq[0][p], seq[1][p]}, 2, 1), cache).toDoubleArray();
                double[] u = new double[2];
                rng.uniform(u);
                for (int i = 0; i < 2; i++) seq[i][p + 1] = s.draw(java.util.Arrays.copyOfRange(logits, i * 23, (i + 1) * 23), u[i]);
            }
        }
        for (int i = 0; i < 2; i++) assertArrayEquals(java.util.Arrays.copyOfRange(seq[i], 5, 25), got[i], "row " + i);
    }

    @Test
    void badInputIsRefused() {
        ReformerLM m = model(1, 2, DType.F64, b -> b);
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = m.newDecodeCache();
            m.step(Tensor.of(new long[] {1, 2}, 2, 1), cache);
            var e = assertThrows(IllegalArgumentException.class, () -> m.step(Tensor.of(new long[] {1}, 1, 1), cache));
            assertTrue(e.getMessage().contains("batch of 1 rows") && e.getMessage().contains("started with 2"), e.getMessage());
            DecodeCache one = m.newDecodeCache();
            for (int p = 0; p < 32; p++) m.step(Tensor.of(new long[] {p % 23}, 1, 1), one);
            e = assertThrows(IllegalArgumentException.class, () -> m.step(Tensor.of(new long[] {1}, 1, 1), one));
            assertTrue(e.getMessage().contains("beyond maxSeqLen 32"), e.getMessage());
        }
        var acausal = assertThrows(IllegalStateException.class, () -> model(1, 1, DType.F64, b -> b.causal(false)).newDecodeCache());
        assertTrue(acausal.getMessage().contains("not causal"), acausal.getMessage());
    }

    /**
     * A plain float64 decode of a {@link ReformerLM} whose attention follows the window rule directly: per layer
     * and row the projected qk and v of each position are kept as it is decoded; the newest position hashes every
     * kept position (argmax of cat(xR, -xR) with the fixed rotations of the padded prefix's bucket count), sorts
     * the (round, bucket, position) items (memory slots after the tokens) with a comparator, and attends per round to the chunk holding it and the
     * one before (chunk 0: the last), with the self, other-bucket and duplicate-count rules, then mixes the rounds
     * by their logsumexps. Embedding, norms, projections and feed-forward are the model's own modules.
     */
    private static final class Reference {
        final ReformerLM m;
        final ReformerConfig cfg;
        final int depth;
        final double[] invFreq;
        /** Per layer and row (b * heads + head): the kept qk and v of each position, and of the memory slots. */
        final List<List<List<double[]>>> qks = new ArrayList<>(), vs = new ArrayList<>(), memQks = new ArrayList<>(), memVs = new ArrayList<>();

        Reference(ReformerLM m, int depth) {
            this.m = m;
            this.cfg = m.config();
            this.depth = depth;
            this.invFreq = ((PositionalEmbeddings.Fixed) m.module("layer_pos_emb")).invFreq();
        }

        double[][][] decode(long[][] ids) {
            int b = ids.length, t = ids[0].length, h = cfg.heads, dh = cfg.dimHead, v = cfg.numTokens;
            ReversibleSequence seq = m.trunk().layers();
            int mem = cfg.numMemKv;
            for (int d = 0; d < depth; d++) {
                List<List<double[]>> q = new ArrayList<>(), w = new ArrayList<>(), mq = new ArrayList<>(), mw = new ArrayList<>();
                var attn = (LSHSelfAttention) ((Residual.PreNorm) seq.f(d)).fn();
                double[] mqk = mem == 0 ? null : attn.toqk().forward(attn.memKv().tensor()).toDoubleArray();
                double[] mv = mem == 0 ? null : attn.tov().forward(attn.memKv().tensor()).toDoubleArray();
                for (int r = 0; r < b * h; r++) {
                    q.add(new ArrayList<>());
                    w.add(new ArrayList<>());
                    mq.add(new ArrayList<>());
                    mw.add(new ArrayList<>());
                    int head = r % h, vh = cfg.oneValueHead ? 0 : head, vw = cfg.oneValueHead ? dh : h * dh;
                    for (int j = 0; j < mem; j++) {
                        mq.get(r).add(java.util.Arrays.copyOfRange(mqk, j * h * dh + head * dh, j * h * dh + (head + 1) * dh));
                        mw.get(r).add(java.util.Arrays.copyOfRange(mv, j * vw + vh * dh, j * vw + (vh + 1) * dh));
                    }
                }
                qks.add(q);
                vs.add(w);
                memQks.add(mq);
                memVs.add(mw);
            }
            var state = new ForwardState(depth, null, null, FIXED, m.generator(), false, m.numHashes(), null);
            double[][][] out = new double[b][t][v];
            for (int p = 0; p < t; p++) {
                long[] col = new long[b];
                for (int i = 0; i < b; i++) col[i] = ids[i][p];
                Tensor x = m.tokenEmbedding().forward(Tensor.of(col, b, 1));
                Tensor x1 = x, x2 = x;
                for (int d = 0; d < depth; d++) {
                    var f = (Residual.PreNorm) seq.f(d);
                    var attn = (LSHSelfAttention) f.fn();
                    Tensor n = f.norm().forward(x2);
                    double[] qk = attn.toqk().forward(n).toDoubleArray(), vv = attn.tov().forward(n).toDoubleArray();
                    double[] o = new double[b * h * dh];
                    for (int r = 0; r < b * h; r++) {
                        qks.get(d).get(r).add(java.util.Arrays.copyOfRange(qk, r * dh, (r + 1) * dh));
                        int vr = cfg.oneValueHead ? r / h : r;
                        vs.get(d).get(r).add(java.util.Arrays.copyOfRange(vv, vr * dh, (vr + 1) * dh));
                        double[] rot = rotations(d, b * h, r, p + 1 + mem);
                        List<double[]> kq = new ArrayList<>(qks.get(d).get(r)), kv = new ArrayList<>(vs.get(d).get(r));
                        kq.addAll(memQks.get(d).get(r));
                        kv.addAll(memVs.get(d).get(r));
                        System.arraycopy(attend(kq, kv, p + 1, rot), 0, o, r * dh, dh);
                    }
                    Tensor y1 = x1.add(attn.toOut().forward(Tensor.of(o, b, 1, h * dh)));
                    Tensor y2 = x2.add(seq.g(d).apply(y1, state, d));
                    x1 = y1;
                    x2 = y2;
                }
                Tensor y = ((Module) m.output()).forward(m.finalNorm().forward(x1.add(x2).div(2)));
                double[] row = y.toDoubleArray();
                for (int i = 0; i < b; i++) System.arraycopy(row, i * v, out[i][p], 0, v);
            }
            return out;
        }

        /** Rotations [dh][H][nb/2] of row r for prefix length len with memory (the padded prefix's bucket count). */
        double[] rotations(int layer, int rows, int r, int len) {
            int nb = 2 * Math.ceilDiv(len, 2 * cfg.bucketSize), per = cfg.randomRotationsPerHead ? rows : 1;
            int[] shape = {per, cfg.dimHead, cfg.nHashes, nb / 2};
            double[] all = FIXED.rotations(layer, shape, DType.F64).toDoubleArray();
            int n = cfg.dimHead * cfg.nHashes * nb / 2, from = per == 1 ? 0 : r * n;
            return java.util.Arrays.copyOfRange(all, from, from + n);
        }

        /**
         * The newest token's attention output [dh] over the kept qk and v of one row: {@code tokens} tokens, then
         * the memory slots (not turned by the rotary angles).
         */
        double[] attend(List<double[]> qk, List<double[]> v, int tokens, double[] rot) {
            int len = qk.size(), dh = cfg.dimHead, hashes = cfg.nHashes, bs = cfg.bucketSize, half = rot.length / (dh * hashes);
            int nb = 2 * half, q = tokens - 1;
            int[][] bucket = new int[hashes][len];
            for (int k = 0; k < hashes; k++) {
                for (int p = 0; p < len; p++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < nb; j++) {
                        double s = 0;
                        for (int f = 0; f < dh; f++) s += qk.get(p)[f] * rot[(f * hashes + k) * half + j % half];
                        if (j >= half) s = -s;
                        if (s > best) {
                            best = s;
                            bucket[k][p] = j;
                        }
                    }
                }
            }
            // items (round, position) sorted by (round, bucket, position)
            List<int[]> items = new ArrayList<>();
            for (int k = 0; k < hashes; k++) for (int p = 0; p < len; p++) items.add(new int[] {k, p});
            items.sort(Comparator.<int[]>comparingInt(it -> it[0]).thenComparingInt(it -> bucket[it[0]][it[1]]).thenComparingInt(it -> it[1]));
            int hl = hashes * len, chunks = Math.ceilDiv(hl, bs);
            int[][] where = new int[hashes][len];
            for (int s = 0; s < hl; s++) where[items.get(s)[0]][items.get(s)[1]] = s;
            double[][] turned = new double[len][];
            for (int p = 0; p < len; p++) turned[p] = p < tokens ? turn(qk.get(p), p) : qk.get(p);
            double[] lse = new double[hashes];
            double[][] outs = new double[hashes][dh];
            for (int k = 0; k < hashes; k++) {
                int ch = where[k][q] / bs, prev = (ch - 1 + chunks) % chunks;
                List<int[]> window = new ArrayList<>();
                for (int s = ch * bs; s < Math.min(hl, ch * bs + bs); s++) window.add(items.get(s));
                for (int s = prev * bs; s < Math.min(hl, prev * bs + bs); s++) window.add(items.get(s));
                double[] score = new double[window.size()];
                for (int j = 0; j < score.length; j++) {
                    int kk = window.get(j)[0], pk = window.get(j)[1];
                    double nrm = Math.sqrt(dot(turned[pk], turned[pk]));
                    double x = dot(turned[q], turned[pk]) / nrm / Math.sqrt(dh);
                    if (pk == q) x = -5e4;
                    if (!cfg.lshAttendAcrossBuckets && (kk != k || bucket[kk][pk] != bucket[k][q])) x = -Double.MAX_VALUE;
                    if (!cfg.lshAllowDuplicateAttention) {
                        int count = 0;
                        for (int r2 = 0; r2 < hashes; r2++) {
                            int cq = where[r2][q] / bs, ck = where[r2][pk] / bs;
                            boolean same = cfg.lshAttendAcrossBuckets || bucket[r2][q] == bucket[r2][pk];
                            if (same && cq == ck) count++;
                            if (same && cq == (ck + 1) % chunks) count++;
                        }
                        x -= (float) Math.log((float) count + 1e-9f);
                    }
                    score[j] = x;
                }
                double mx = java.util.Arrays.stream(score).max().getAsDouble(), sum = 0;
                for (double s : score) sum += Math.exp(s - mx);
                lse[k] = mx + Math.log(sum);
                for (int j = 0; j < score.length; j++) {
                    double pr = Math.exp(score[j] - lse[k]);
                    for (int f = 0; f < dh; f++) outs[k][f] += pr * v.get(window.get(j)[1])[f];
                }
            }
            double mx = java.util.Arrays.stream(lse).max().getAsDouble(), sum = 0;
            for (double l : lse) sum += Math.exp(l - mx);
            double all = mx + Math.log(sum);
            double[] out = new double[dh];
            for (int k = 0; k < hashes; k++) for (int f = 0; f < dh; f++) out[f] += Math.exp(lse[k] - all) * outs[k][f];
            return out;
        }

        /** qk of position p turned by the rotary angles p * invFreq[i] of its pairs. */
        double[] turn(double[] x, int p) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length / 2; i++) {
                double a = p * invFreq[i], c = Math.cos(a), s = Math.sin(a);
                y[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
                y[2 * i + 1] = x[2 * i + 1] * c + x[2 * i] * s;
            }
            return y;
        }

        static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) s += a[i] * b[i];
            return s;
        }
    }
}
