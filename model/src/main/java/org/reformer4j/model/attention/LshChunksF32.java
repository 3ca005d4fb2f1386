package org.reformer4j.model.attention;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.cpu.ExpF32;
import org.reformer4j.core.cpu.FlatF32;
import org.reformer4j.core.cpu.Sgemm;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * The float32 form of {@link LshChunks}'s row forward and backward: one row (batch x head), a group of G chunks
 * at a time, scores, masks, logsumexp and softmax in float32 as torch's float32 ops compute them
 * (reformer-pytorch {@code LSHAttention.forward}, R:338-399: {@code dots * scale}, masked_fill by input mask and
 * causality, the self value -5e4, other buckets, minus log(duplicate count), {@code logsumexp},
 * {@code exp(dots - lse)}), with core's float32 exp ({@link ExpF32}). Each tile kernel has its Vector API loop
 * beside the scalar loop it mirrors (the fallback and the test oracle): scores and exps agree bit for bit, sums
 * differ only in their order (lane stripes, then lanes in order). Positions and buckets are compared as floats
 * (exact below 2^24). Shapes: bs bucket size, 2bs keys per query, dh head dim.
 */
final class LshChunksF32 {
    private static final VectorSpecies<Float> S = ExpF32.SPECIES;
    private static final int LANES = S.length();
    /** Doubles of a full register and the floats of half of one, for x / norm divided in double as the scalar loop does. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> DF = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(32 * D.length()));
    static final float MASKED = -Float.MAX_VALUE, SELF = (float) LshAttentionCore.SELF_VALUE;

    private final LshChunks k;
    private final boolean vector, causal, across, hasMask, dupFix;
    private final int bs, w2, dh, group;
    private final float scale;
    /** Keys of the current chunk: position, causal position (-1: never masked by causality), bucket, input keep (1/0). */
    final float[] kp, kc, kb, kk;
    /** Scores of the current query, its float probabilities and its duplicate-count logs. */
    final float[] row, prow, dup;
    /**
     * Group buffers: gathered q [G,bs,dh]; keys and values [(G+1)bs, dh] of the look-back chunk and the G chunks,
     * so that chunk g's 2bs keys are rows [g bs, (g+2) bs), look-back first (the reference order is the chunk,
     * then its look-back: only the order of the sums differs; dropout is indexed in the reference order); scores
     * [G,bs,2bs] twice; GEMM results.
     */
    private final float[] gq, gk, gv, sc, sc2, dbo, dv2, dq, dk2;
    /**
     * The group's keys and values transposed, [dh, (G+1)bs] (row stride {@link #lt}): the B operands of q k^T and
     * dbo v^T read row-major (packed by copies) instead of transposed (packed by gathers, once per chunk for each of
     * the two chunks whose windows hold a key). Values only for backward ({@link #gather}'s flag).
     */
    private final float[] gkT, gvT;
    private final int lt;
    /**
     * Width of core's packed panels ({@link Sgemm#packPanels}), 0 when the products take the gathered buffers as they
     * lie (scalar tiles, or {@link LshChunks#tilesPanels} cleared). With panels the group's operands are packed once
     * for all of its chunks' products instead of by every product (a window's keys are in two chunks' windows): the
     * keys and values as rows in panels of dh columns ({@link #gkR}, {@link #gvR}: B of p v and dd k, any bucket size),
     * and when {@link #keyPanels} the transposed keys and values in panels of keys (gkT, gvT: B of q k^T and dbo v^T).
     * The same bits as the unpacked products (the same kernels and sums; tiny products excepted, see {@link
     * Sgemm#sgemmPanels}).
     */
    private final int nr;
    /** Whether q k^T and dbo v^T read panels of keys: the bucket size a multiple of {@link #nr}, so each window starts a panel. */
    private final boolean keyPanels;
    /** The group's keys and values [(G+1)bs, dh] as rows in panels of dh columns, and the strides of both panel forms. */
    private final float[] gkR, gvR;
    private final int psR, psK;
    /** The row and chunks [start, end) whose keys and values the group buffers hold ({@link #gather}). */
    private int gatheredRow = -1, gatheredStart, gatheredEnd;
    /** One vector's lanes, for {@link #sumLanes}. */
    private final float[] lanes = new float[LANES];
    /** The dropout multipliers of the current chunk [bs, 2bs] (reference key order), when the plan has a dropout. */
    private final double[] dm;

    LshChunksF32(LshChunks k, boolean vector) {
        this.k = k;
        this.vector = vector && VectorSupport.ENABLED;
        LshAttentionCore.Plan plan = k.plan();
        this.causal = plan.causal();
        this.across = plan.attendAcrossBuckets();
        this.hasMask = plan.mask() != null;
        this.dupFix = !plan.allowDuplicateAttention();
        this.bs = k.bs;
        this.w2 = 2 * k.bs;
        this.dh = k.dh;
        this.group = k.group;
        this.scale = (float) Math.pow(dh, -0.5);
        kp = new float[w2];
        kc = new float[w2];
        kb = new float[w2];
        kk = new float[w2];
        row = new float[w2];
        prow = new float[w2];
        dup = new float[w2];
        gq = new float[group * bs * dh];
        gk = new float[(group + 1) * bs * dh];
        gv = new float[(group + 1) * bs * dh];
        lt = (group + 1) * bs;
        gkT = new float[lt * dh];
        gvT = new float[lt * dh];
        nr = this.vector && LshChunks.tilesPanels ? Sgemm.panelWidth() : 0;
        keyPanels = nr > 0 && bs % nr == 0; // then lt * dh floats hold the lt / nr panels of keys
        psK = dh * Math.max(1, nr);
        psR = lt * Math.max(1, nr);
        gkR = nr > 0 ? new float[(dh + nr - 1) / nr * psR] : null;
        gvR = nr > 0 ? new float[(dh + nr - 1) / nr * psR] : null;
        sc = new float[group * bs * w2];
        sc2 = new float[group * bs * w2];
        dbo = new float[group * bs * dh];
        dv2 = new float[group * w2 * dh];
        dq = new float[group * bs * dh];
        dk2 = new float[group * w2 * dh];
        dm = plan.dropout() == null ? null : new double[bs * w2];
    }

    /** c[t] = a[t] b[t] for t < g; operands given by batch stride and row/column strides; c contiguous [g, m, n] from cOff. */
    private static void bmm(int g, int m, int n, int kk, float[] a, int sa, int rsA, int csA, float[] b, int sb, int rsB, int csB,
                            float[] c, int cOff) {
        Sgemm.sgemmBatched(g, m, n, kk, 1f, a, 0, sa, rsA, csA, b, 0, sb, rsB, csB, 0f, c, cOff, (long) m * n, n);
    }

    /**
     * x k^T [G, bs, 2bs] into out: per chunk g of the group, the bs rows of x (gq or dbo, [G, bs, dh]) times its window's 2bs
     * keys of kT (the gathered keys or values transposed, gkT or gvT: a transposed copy [dh, lt], or panels of keys).
     */
    private void windowScores(int gn, float[] x, float[] kT, float[] out) {
        if (!keyPanels) {
            bmm(gn, bs, w2, dh, x, bs * dh, dh, 1, kT, bs, lt, 1, out, 0);
            return;
        }
        for (int g = 0; g < gn; g++) {
            Sgemm.sgemmPanels(bs, w2, dh, 1f, x, g * bs * dh, dh, 1, kT, g * bs / nr * psK, psK, 0f, out, g * bs * w2, w2);
        }
    }

    /**
     * p y [G, bs, dh] into out from outOff: per chunk g, the scores p [G, bs, 2bs] times its window's 2bs rows of y
     * (the gathered values or keys [(G+1)bs, dh], or the same as rows in panels, yR).
     */
    private void windowRows(int gn, float[] p, float[] y, float[] yR, float[] out, int outOff) {
        if (nr == 0) {
            bmm(gn, bs, dh, w2, p, bs * w2, w2, 1, y, bs * dh, dh, 1, out, outOff);
            return;
        }
        for (int g = 0; g < gn; g++) {
            Sgemm.sgemmPanels(bs, dh, w2, 1f, p, g * bs * w2, w2, 1, yR, g * bs * nr, psR, 0f, out, outOff + g * bs * dh, dh);
        }
    }

    /** Forward of row r: per sorted item its logsumexp into lse, the per-round outputs (sorted order) into bo. */
    void forwardRow(int r, double[] lse, float[] bo) {
        int c = k.c, hl = k.hl;
        LshDropout drop = k.plan().dropout();
        for (int c0 = 0; c0 < c; c0 += group) {
            int c1 = Math.min(c, c0 + group), gn = c1 - c0;
            gather(r, c0, c1, false);
            windowScores(gn, gq, gkT, sc); // q k^T [G, bs, 2bs]
            for (int ch = c0; ch < c1; ch++) {
                keys(r, ch);
                if (drop != null) k.dropChunk(drop, r, ch, dm);
                for (int i = 0; i < bs; i++) {
                    int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i;
                    lse[r * hl + s] = probabilities(query(r, s, sc, o), sc, o);
                    if (drop != null) dropMul(dm, i * w2, sc, o, sc, o);
                }
            }
            windowRows(gn, sc, gv, gvR, bo, (r * hl + c0 * bs) * dh); // p v [G, bs, dh]
        }
    }

    /**
     * For backward without the saved per-round outputs: recomputes them group by group as the forward computed them
     * ({@link #probabilities}, dropped, times v) and puts into gbo, per sorted item s of row r, the dot product of
     * its output with the output gradient g [N, T, dh] at its position (0 for memory positions >= T).
     */
    void roundDots(int r, float[] g, double[] gbo) {
        int c = k.c, hl = k.hl, len = k.len, t = k.t;
        int[] st = k.sticker(r);
        LshDropout drop = k.plan().dropout();
        for (int c0 = 0; c0 < c; c0 += group) {
            int c1 = Math.min(c, c0 + group), gn = c1 - c0;
            gather(r, c0, c1, false);
            windowScores(gn, gq, gkT, sc); // q k^T
            for (int ch = c0; ch < c1; ch++) {
                keys(r, ch);
                if (drop != null) k.dropChunk(drop, r, ch, dm);
                for (int i = 0; i < bs; i++) {
                    int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i;
                    probabilities(query(r, s, sc, o), sc, o); // the forward's bits
                    if (drop != null) dropMul(dm, i * w2, sc, o, sc, o);
                }
            }
            windowRows(gn, sc, gv, gvR, dq, 0); // the round outputs [G, bs, dh]
            for (int s = c0 * bs; s < c1 * bs; s++) {
                int p = st[s] % len, a = (s - c0 * bs) * dh, o = (r * t + p) * dh;
                double d = 0;
                if (p < t) for (int f = 0; f < dh; f++) d += (double) g[o + f] * dq[a + f];
                gbo[r * hl + s] = d;
            }
        }
    }

    /**
     * Backward of row r from the output gradient g [N, T, dh], the round weights w [N, H, T] and the gradient dlse of
     * the saved lse; adds the gradients reaching row r's positions as queries into dq and as unit keys into dk
     * [L, dh], and of v into dv from dvOff.
     */
    void backwardRow(int r, float[] g, double[] w, double[] dlse, float[] dqk, float[] dkPos, float[] dv, int dvOff) {
        int c = k.c, hl = k.hl, len = k.len, t = k.t, h = k.h;
        int[] st = k.sticker(r);
        LshDropout drop = k.plan().dropout();
        for (int c0 = 0; c0 < c; c0 += group) {
            int c1 = Math.min(c, c0 + group), gn = c1 - c0;
            gather(r, c0, c1, true);
            windowScores(gn, gq, gkT, sc); // q k^T
            // the gradient reaching each sorted item's output: its round weight times the output gradient
            for (int s = c0 * bs; s < c1 * bs; s++) {
                int j = st[s], kr = j / len, p = j % len, d = (s - c0 * bs) * dh;
                if (p >= t) {
                    java.util.Arrays.fill(dbo, d, d + dh, 0f);
                    continue;
                }
                float wk = (float) w[(r * h + kr) * t + p];
                int o = (r * t + p) * dh;
                for (int f = 0; f < dh; f++) dbo[d + f] = wk * g[o + f];
            }
            windowScores(gn, dbo, gvT, sc2); // dbo v^T [G, bs, 2bs]
            for (int ch = c0; ch < c1; ch++) {
                keys(r, ch);
                if (drop != null) k.dropChunk(drop, r, ch, dm);
                for (int i = 0; i < bs; i++) {
                    int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i;
                    float mx = query(r, s, sc, o);
                    int od = drop == null ? -1 : i * w2;
                    softmaxBackward(r, s, o, mx, (float) dlse[r * hl + s], drop == null ? null : dm, od);
                }
            }
            bmm(gn, w2, dh, bs, sc, bs * w2, 1, w2, dbo, bs * dh, dh, 1, dv2, 0); // p^T dbo [G, 2bs, dh]
            windowRows(gn, sc2, gk, gkR, dq, 0); // dd k [G, bs, dh]
            bmm(gn, w2, dh, bs, sc2, bs * w2, 1, w2, gq, bs * dh, dh, 1, dk2, 0); // dd^T q [G, 2bs, dh]
            for (int ch = c0; ch < c1; ch++) {
                for (int i = 0; i < bs; i++) {
                    int a = ((ch - c0) * bs + i) * dh, b = st[ch * bs + i] % len * dh;
                    FlatF32.axpy(1f, dq, a, dqk, b, dh); // y + 1 x: one rounding, the bits of a plain add
                }
                for (int j = 0; j < w2; j++) {
                    int a = ((ch - c0) * w2 + j) * dh, b = st[window(ch, j)] % len * dh;
                    FlatF32.axpy(1f, dk2, a, dkPos, b, dh);
                    FlatF32.axpy(1f, dv2, a, dv, dvOff + b, dh);
                }
            }
        }
    }

    /**
     * out[o + f] += wk * bo[b + f] for the whole vectors of n floats (product and sum rounded apart, as the scalar
     * loop); returns how many floats it did. Here, with the Vector API's imports, for LshAttentionCore's round mix.
     */
    static int mixVector(float[] out, int o, float wk, float[] bo, int b, int n) {
        int f = 0;
        for (int up = S.loopBound(n); f < up; f += LANES) {
            FloatVector.fromArray(S, out, o + f).add(FloatVector.fromArray(S, bo, b + f).mul(wk)).intoArray(out, o + f);
        }
        return f;
    }

    /**
     * y[yo + j] = (float) (x[xo + j] * m[mo + r(j)]) for the 2bs window keys j of one query, r(j) the key's index in
     * the reference order (the chunk, then its look-back: j + bs for the look-back half, j - bs for the chunk's own);
     * m holds the chunk's dropout multipliers in that order. Float lanes widened to double, multiplied and rounded
     * back, as a scalar loop does. y may be x.
     */
    private void dropMul(double[] m, int mo, float[] x, int xo, float[] y, int yo) {
        dropMulHalf(m, mo + bs, x, xo, y, yo);
        dropMulHalf(m, mo, x, xo + bs, y, yo + bs);
    }

    private void dropMulHalf(double[] m, int mo, float[] x, int xo, float[] y, int yo) {
        int j = 0;
        if (vector && D.length() >= 2) {
            for (int up = D.loopBound(bs); j < up; j += D.length()) {
                DoubleVector v = (DoubleVector) FloatVector.fromArray(DF, x, xo + j).convertShape(VectorOperators.F2D, D, 0);
                ((FloatVector) v.mul(DoubleVector.fromArray(D, m, mo + j)).convertShape(VectorOperators.D2F, DF, 0)).intoArray(y, yo + j);
            }
        }
        for (; j < bs; j++) y[yo + j] = (float) (x[xo + j] * m[mo + j]);
    }

    /** Sorted item of key j (window order: the look-back chunk's bs keys, then the chunk's own) of chunk ch. */
    private int window(int ch, int j) {
        return j < bs ? ((ch - 1 + k.c) % k.c) * bs + j : ch * bs + j - bs;
    }


    /**
     * Queries of chunks [c0, c1) of row r, and the keys and values of chunks c0 - 1 (cyclic) to c1 - 1, into the group
     * buffers; the keys also transposed, and the values too when {@code values} (backward's dbo v^T); with panels
     * ({@link #nr}) also the values' rows (forward) or the keys' rows (backward) in panels.
     */
    private void gather(int r, int c0, int c1, boolean values) {
        int[] st = k.sticker(r);
        int rowOff = r * k.len, len = k.len, c = k.c;
        float[] q = (float[]) k.qD;
        if (r == gatheredRow && c0 == gatheredEnd) {
            // the look-back chunk is the previous group's last: its unit keys and values are in the buffers already
            int last = (gatheredEnd - gatheredStart) * bs * dh;
            System.arraycopy(gk, last, gk, 0, bs * dh);
            System.arraycopy(gv, last, gv, 0, bs * dh);
        } else {
            int first = ((c0 - 1 + c) % c) * bs;
            for (int i = 0; i < bs; i++) {
                int pr = rowOff + st[first + i] % len;
                gatherKey(q, pr * dh, pr, i);
            }
        }
        gatheredRow = r;
        gatheredStart = c0;
        gatheredEnd = c1;
        // the group's own keys from its gathered queries (one random read of qk per item, not two)
        for (int s = c0 * bs; s < c1 * bs; s++) {
            int pr = rowOff + st[s] % len, a = (s - c0 * bs) * dh;
            System.arraycopy(q, pr * dh, gq, a, dh);
            gatherKey(gq, a, pr, s - c0 * bs + bs);
        }
        int rows = (c1 - c0 + 1) * bs;
        transposeKeys(gk, gkT, rows);
        if (values) { // backward: v^T for dbo v^T, the keys' rows for dd k
            transposeKeys(gv, gvT, rows);
            if (nr > 0) Sgemm.packPanels(rows, dh, gk, 0, dh, 1, gkR, 0, psR);
        } else if (nr > 0) { // forward: the values' rows for p v
            Sgemm.packPanels(rows, dh, gv, 0, dh, 1, gvR, 0, psR);
        }
    }

    /** The first {@code rows} rows of x [(G+1)bs, dh] transposed into xT: panels of keys, or [dh, lt]. */
    private void transposeKeys(float[] x, float[] xT, int rows) {
        if (keyPanels) Sgemm.packPanels(dh, rows, x, 0, 1, dh, xT, 0, psK);
        else Arrays2.transpose(x, 0, dh, rows, dh, xT, lt);
    }

    /**
     * Row i of the group's keys and values: the qk row of position pr (row offset included), read from
     * {@code from} at {@code src} (qk itself or the gathered queries), divided by pr's norm (the unit key); pr's v row.
     */
    private void gatherKey(float[] from, int src, int pr, int i) {
        double nrm = k.knorm[pr];
        int dst = i * dh, f = 0;
        if (vector && D.length() >= 2) {
            // the same double division and rounding to float, D.length() lanes at a time
            for (int up = D.loopBound(dh); f < up; f += D.length()) {
                DoubleVector x = (DoubleVector) FloatVector.fromArray(DF, from, src + f).convertShape(VectorOperators.F2D, D, 0);
                ((FloatVector) x.div(nrm).convertShape(VectorOperators.D2F, DF, 0)).intoArray(gk, dst + f);
            }
        }
        for (; f < dh; f++) gk[dst + f] = (float) (from[src + f] / nrm);
        System.arraycopy(k.vD, pr * dh, gv, dst, dh);
    }

    /** The key tables of chunk ch of row r, in window order. */
    void keys(int r, int ch) {
        int[] st = k.sticker(r), bk = k.plan().buckets()[r];
        boolean[] mask = hasMask ? k.plan().mask()[r] : null;
        int len = k.len, t = k.t;
        for (int j = 0; j < w2; j++) {
            int jk = st[window(ch, j)], pk = jk % len;
            kp[j] = pk;
            kc[j] = causal && (len == t || pk < t) ? pk : -1;
            kb[j] = bk[jk];
            kk[j] = mask == null || mask[pk] ? 1 : 0;
        }
    }

    /** Scores of sorted item s (row r) into {@link #row} from the raw products dots[o, o + 2bs); returns the row max. */
    float query(int r, int s, float[] dots, int o) {
        int jq = k.sticker(r)[s], pq = jq % k.len;
        float bq = k.plan().buckets()[r][jq];
        boolean kq = !hasMask || k.plan().mask()[r][pq];
        if (dupFix) for (int j = 0; j < w2; j++) dup[j] = (float) k.duplicateLog(r, pq, (int) kp[j]);
        return vector ? scoresVector(dots, o, pq, bq, kq) : scores(dots, o, 0, w2, pq, bq, kq);
    }

    /**
     * Scores j in [from, to) in the reference order: dots * scale; input mask and causality -> MASKED; the query
     * itself -> SELF; another bucket -> MASKED; minus log(duplicate count). Returns their max.
     */
    private float scores(float[] dots, int o, int from, int to, float pq, float bq, boolean kq) {
        float mx = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            float x = dots[o + j] * scale;
            if (!kq || kk[j] == 0 || kc[j] > pq) x = MASKED;
            if (kp[j] == pq) x = SELF;
            if (!across && kb[j] != bq) x = MASKED;
            if (dupFix) x -= dup[j];
            row[j] = x;
            mx = Math.max(mx, x);
        }
        return mx;
    }

    private float scoresVector(float[] dots, int o, float pq, float bq, boolean kq) {
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0, up = S.loopBound(w2);
        for (; j < up; j += LANES) {
            FloatVector x = FloatVector.fromArray(S, dots, o + j).mul(scale);
            x = x.blend(MASKED, VectorMask.fromLong(S, dropped(j, pq, kq)));
            x = x.blend(SELF, FloatVector.fromArray(S, kp, j).compare(VectorOperators.EQ, pq));
            if (!across) x = x.blend(MASKED, FloatVector.fromArray(S, kb, j).compare(VectorOperators.NE, bq));
            if (dupFix) x = x.sub(FloatVector.fromArray(S, dup, j));
            x.intoArray(row, j);
            mx = mx.blend(x, mx.compare(VectorOperators.LT, x)); // not max(): Java's NaN/-0 rules cost 3x; exp(x - m) carries a NaN
        }
        float m = mx.reduceLanes(VectorOperators.MAX); // max is exact in any order
        return j < w2 ? Math.max(m, scores(dots, o, j, w2, pq, bq, kq)) : m;
    }

    /**
     * Lanes set to MASKED before the self value (the input mask and causality), as mask bits: a mask returned by
     * a call that C2 does not inline is boxed (seen as ~10 M allocations per lsh4k step), a long is not.
     */
    private long dropped(int j, float pq, boolean kq) {
        if (!kq) return -1L >>> (64 - LANES);
        VectorMask<Float> m = FloatVector.fromArray(S, kc, j).compare(VectorOperators.GT, pq);
        if (hasMask) m = m.or(FloatVector.fromArray(S, kk, j).compare(VectorOperators.EQ, 0f));
        return m.toLong();
    }

    /** Whether score j of the current query was set by a mask (no gradient reaches it). */
    private boolean fixed(int j, float pq, float bq, boolean kq) {
        return !kq || kk[j] == 0 || kc[j] > pq || kp[j] == pq || (!across && kb[j] != bq);
    }

    /**
     * The probabilities of the scores in {@link #row} (max mx) into y[o, o + 2bs); returns lse = mx + log(sum(e^(x -
     * mx))) as torch.logsumexp gives it. torch then computes exp(x - lse), a second exp pass, whose results carry the
     * rounding of lse to float: a relative error up to half an ulp of lse. Where lse is below {@link #ONE_PASS_LSE} in
     * size, that is under 5e-7, and e^(x - mx) times 1 / sum, one exp pass and a product, agrees with torch to
     * within 8e-7; larger lse (rows that only a masked or self score fills: -5e4, -3.4e38) take torch's two passes,
     * whose coarser rounding the reference fixtures hold (0.1% off in a row of two self scores).
     */
    private float probabilities(float mx, float[] y, int o) {
        float sum = expShift(row, mx, y, o);
        float l = mx + (float) Math.log(sum);
        if (Math.abs(l) < ONE_PASS_LSE) FlatF32.scale(y, o, 1f / sum, w2);
        else expShift(row, l, y, o);
        return l;
    }

    /** The size of lse below which {@link #probabilities} scales by 1 / sum instead of taking a second exp pass. */
    static final float ONE_PASS_LSE = 16f;

    /** y[o + j] = exp(x[j] - shift) for j < 2bs (float32, core's exp); returns their sum in lane order. */
    private float expShift(float[] x, float shift, float[] y, int o) {
        int j = 0;
        float s = 0f;
        if (vector) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(w2); j < up; j += LANES) {
                FloatVector e = ExpF32.exp(FloatVector.fromArray(S, x, j).sub(shift));
                e.intoArray(y, o + j);
                acc = acc.add(e);
            }
            acc.intoArray(lanes, 0);
            s = sumLanes();
        }
        for (; j < w2; j++) s += (y[o + j] = ExpF32.exp(x[j] - shift));
        return s;
    }

    /**
     * Softmax backward of one query whose scores are in {@link #row} (max mx): p as the forward's {@link
     * #probabilities} (dropped: into sc), the gradient reaching the scores dd = p (dp - sum(p dp) + dl) * scale, 0
     * where a mask set the score (into sc2; sc2 holds dbo v^T on entry, the gradient of the dropped probabilities).
     */
    private void softmaxBackward(int r, int s, int o, float mx, float dl, double[] drop, int od) {
        int jq = k.sticker(r)[s], pq = jq % k.len;
        float bq = k.plan().buckets()[r][jq];
        boolean kq = !hasMask || k.plan().mask()[r][pq];
        probabilities(mx, prow, 0);
        float tot;
        if (drop != null) {
            dropMul(drop, od, prow, 0, sc, o);
            dropMul(drop, od, sc2, o, sc2, o);
            tot = 0f;
            for (int j = 0; j < w2; j++) tot += prow[j] * sc2[o + j];
        } else {
            System.arraycopy(prow, 0, sc, o, w2);
            tot = vector ? dotVector(prow, sc2, o) : dot(prow, sc2, o, 0, 0f);
        }
        float base = dl - tot;
        if (vector) {
            int j = 0;
            for (int up = S.loopBound(w2); j < up; j += LANES) {
                FloatVector p = FloatVector.fromArray(S, prow, j);
                FloatVector d = p.mul(FloatVector.fromArray(S, sc2, o + j).add(base)).mul(scale);
                VectorMask<Float> fx = VectorMask.fromLong(S, dropped(j, pq, kq)).or(FloatVector.fromArray(S, kp, j).compare(VectorOperators.EQ, pq));
                if (!across) fx = fx.or(FloatVector.fromArray(S, kb, j).compare(VectorOperators.NE, bq));
                d.blend(0f, fx).intoArray(sc2, o + j);
            }
            for (; j < w2; j++) sc2[o + j] = fixed(j, pq, bq, kq) ? 0f : prow[j] * (sc2[o + j] + base) * scale;
        } else {
            for (int j = 0; j < w2; j++) sc2[o + j] = fixed(j, pq, bq, kq) ? 0f : prow[j] * (sc2[o + j] + base) * scale;
        }
    }

    /** sum over j >= from of p[j] y[o + j], added to s in index order. */
    private float dot(float[] p, float[] y, int o, int from, float s) {
        for (int j = from; j < w2; j++) s += p[j] * y[o + j];
        return s;
    }

    private float dotVector(float[] p, float[] y, int o) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int up = S.loopBound(w2); j < up; j += LANES) {
            acc = FloatVector.fromArray(S, p, j).fma(FloatVector.fromArray(S, y, o + j), acc);
        }
        acc.intoArray(lanes, 0);
        return dot(p, y, o, j, sumLanes());
    }

    /**
     * {@link ExpF32#sumLanes} of the vector stored in {@link #lanes} (lanes added in order, the same bits). The callers
     * store the vector themselves: when C2 does not inline a method that takes a vector (the caller has used up its
     * inlining budget), every call boxes the vector.
     */
    private float sumLanes() {
        float s = 0f;
        for (int i = 0; i < LANES; i++) s += lanes[i];
        return s;
    }
}
