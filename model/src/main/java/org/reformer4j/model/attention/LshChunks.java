package org.reformer4j.model.attention;

import static org.reformer4j.model.attention.Arrays2.round;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * The chunked part of {@link LshAttentionCore}, one row (batch x head) and a group of G chunks at a time, so
 * that memory is O(G bs 2bs) instead of O(C bs 2bs): gather the group's queries (rotated qk), keys (unit qk)
 * and values in sorted order with the look-one-back chunk, score them by one batched GEMM, mask, softmax,
 * dropout, and either multiply by the values (forward) or, from the saved logsumexps, rebuild the same
 * probabilities and push the gradient back to the positions (backward). The masks and float32 roundings are
 * those of reformer-pytorch's {@code LSHAttention.forward} (R:338-399).
 */
final class LshChunks {
    /**
     * Scores held per group: G chunks of bs x 2bs (G at least 1). 32 K floats (4 chunks at bucket size 64) keep a
     * thread's group buffers - scores twice, gathered queries, keys and values, GEMM results: under 1 MiB in
     * backward - within its L2 cache, where 256 K (32 chunks) took ~6.5 MiB. The arithmetic does not depend on G.
     * {@code -Dreformer4j.lsh.groupScores} overrides it.
     */
    private static final int GROUP_SCORES = Integer.getInteger("reformer4j.lsh.groupScores", 1 << 15);

    final int n, len, dh, c, bs, h, t, hl, group;
    private final LshAttentionCore.Plan plan;
    private final DType dt;
    private final boolean f32;
    private final double scale, masked;
    /** Per position norms of qk [N, L]. */
    final double[] knorm;
    /**
     * Per position [N, L, dh] in the model's dtype (float[] or double[]; float32 values are exact there, as
     * every one was rounded to float32): rotated qk (queries), unit keys, values. GEMM operands are gathered
     * from them without conversion. The unit keys are null on the float32 tile path, which divides by the
     * norms as it gathers.
     */
    final Object qD, khD, vD;
    private final int[][] st, locs;
    /** log(count + 1e-9) per duplicate count (see {@link #duplicateLog}). */
    private final double[] countLogs;
    private final boolean scalarOnly;

    LshChunks(LshAttentionCore.Plan plan, DType dt, int n, int len, int dh, Object qk, Object v) {
        this(plan, dt, n, len, dh, qk, v, false);
    }

    /** scalarOnly: never the float32 tiles (the attention-weights pass needs the unit keys and {@link #scores}). */
    LshChunks(LshAttentionCore.Plan plan, DType dt, int n, int len, int dh, Object qk, Object v, boolean scalarOnly) {
        this.scalarOnly = scalarOnly;
        this.plan = plan;
        this.dt = dt;
        this.f32 = dt == DType.F32;
        this.n = n;
        this.len = len;
        this.dh = dh;
        this.bs = plan.bucketSize();
        this.h = plan.nHashes();
        this.t = plan.queryLen();
        this.hl = h * len;
        this.c = hl / bs;
        this.group = Math.max(1, Math.min(c, GROUP_SCORES / (bs * 2 * bs)));
        this.scale = Math.pow(dh, -0.5);
        this.masked = Arrays2.maskValue(dt);
        this.st = plan.sorted().sticker();
        LshAttentionCore.Rows q = LshAttentionCore.Rows.of(qk);
        // the float32 tiles divide by the norm as they gather (one [N, L, dh] array less per layer)
        Object kh = tiles() ? null : Arrays2.newArray(dt, n * len * dh);
        double[] norms = this.knorm = new double[n * len];
        Parallel.forRange(n * len, 1024, (from, to) -> {
            for (int i = from; i < to; i++) {
                int o = i * dh;
                double ss = 0;
                for (int f = 0; f < dh; f++) ss += q.get(o + f) * q.get(o + f);
                double nrm = Math.max(Math.sqrt(ss), 1e-12);
                norms[i] = nrm;
                if (kh instanceof float[] kf) for (int f = 0; f < dh; f++) kf[o + f] = (float) (q.get(o + f) / nrm);
                else if (kh != null) for (int f = 0; f < dh; f++) ((double[]) kh)[o + f] = q.get(o + f) / nrm;
            }
        });
        this.locs = plan.allowDuplicateAttention() ? null : duplicateLocations();
        this.countLogs = locs == null ? null : countLogs();
        this.qD = qk;
        this.khD = kh;
        this.vD = v;
    }

    /** Math.exp, without calling it where the result underflows to 0 (masked scores: half the keys when causal). */
    private static double exp(double x) {
        return x < -750 ? 0 : Math.exp(x);
    }

    LshAttentionCore.Plan plan() {
        return plan;
    }

    /** Row r's sorted order: sorted item s -> round * L + position. */
    int[] sticker(int r) {
        return st[r];
    }

    /**
     * Tests only: whether float32 runs the tile kernels of {@link LshChunksF32} (else this class's float64 loops
     * with float32 rounding points, the form they replaced), whether those use the Vector API, and whether the vector
     * tiles' products take core's packed panels ({@link LshChunksF32}'s {@code nr}).
     */
    static volatile boolean tilesEnabled = true, tilesVector = true, tilesPanels = true;

    /** Whether the float32 tile kernels ({@link LshChunksF32}) run: float32, positions exact as floats. */
    boolean tiles() {
        // LshChunksF32 holds Vector API species in its statics: without the module the float64 loops run
        return !scalarOnly && f32 && tilesEnabled && hl < (1 << 24) && VectorSupport.ENABLED;
    }

    /** Position of sorted item s of row r. */
    int pos(int r, int s) {
        return st[r][s] % len;
    }

    /** Sorted item of key j (0..2bs) of chunk ch: the chunk itself, then the one before it. */
    int keyItem(int ch, int j) {
        return j < bs ? ch * bs + j : ((ch - 1 + c) % c) * bs + j - bs;
    }

    /** Per-task buffers for one group of G chunks: GEMM operands and results in the model's dtype, scalar rows in double. */
    private final class Scratch {
        final Object gq = Arrays2.newArray(dt, group * bs * dh), gk = Arrays2.newArray(dt, group * 2 * bs * dh),
                gv = Arrays2.newArray(dt, group * 2 * bs * dh), sc = Arrays2.newArray(dt, group * bs * 2 * bs),
                sc2 = Arrays2.newArray(dt, group * bs * 2 * bs), o1 = Arrays2.newArray(dt, group * 2 * bs * dh),
                o2 = Arrays2.newArray(dt, group * 2 * bs * dh), o3 = Arrays2.newArray(dt, group * 2 * bs * dh);
        final double[] dots = new double[group * bs * 2 * bs], pd = new double[group * bs * 2 * bs],
                dd = new double[group * bs * 2 * bs], dpd = new double[group * bs * 2 * bs],
                r1 = new double[group * 2 * bs * dh], r2 = new double[group * 2 * bs * dh], r3 = new double[group * 2 * bs * dh];
    }

    /** Queries [G, bs, dh], keys and values [G, 2bs, dh] of chunks [c0, c1) of row r into the scratch. */
    private void gather(int r, int c0, int c1, Scratch x) {
        gather(r, c0, c1, x.gq, x.gk, x.gv);
    }

    /** The same into given arrays (float[] or double[], the model's dtype). */
    void gather(int r, int c0, int c1, Object gq, Object gk, Object gv) {
        int rowOff = r * len;
        for (int ch = c0; ch < c1; ch++) {
            for (int i = 0; i < bs; i++) {
                System.arraycopy(qD, (rowOff + pos(r, ch * bs + i)) * dh, gq, ((ch - c0) * bs + i) * dh, dh);
            }
            for (int j = 0; j < 2 * bs; j++) {
                int src = (rowOff + pos(r, keyItem(ch, j))) * dh, dst = ((ch - c0) * 2 * bs + j) * dh;
                System.arraycopy(khD, src, gk, dst, dh);
                System.arraycopy(vD, src, gv, dst, dh);
            }
        }
    }

    /** Raw scores q k^T [G, bs, 2bs] of the gathered group into x.dots. */
    private void dots(int g, Scratch x) {
        int w2 = 2 * bs;
        Arrays2.bmm(g, bs, w2, dh, x.gq, bs * dh, dh, 1, x.gk, w2 * dh, 1, dh, x.sc);
        Arrays2.toDouble(x.sc, x.dots, g * bs * w2);
    }

    /**
     * Masked, scaled scores of query i of chunk ch (row r) into {@code row} from the raw products {@code dots}
     * at {@code o}; marks the entries a mask fixed (no gradient). Returns the row max.
     */
    private double scores(int r, int ch, int i, double[] dots, int o, double[] row, boolean[] fixed) {
        int w2 = 2 * bs, jq = st[r][ch * bs + i], pq = jq % len;
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < w2; j++) {
            int jk = st[r][keyItem(ch, j)], pk = jk % len;
            double x = round(f32, dots[o + j] * scale);
            boolean fx = false;
            if (plan.mask() != null && !(plan.mask()[r][pq] && plan.mask()[r][pk])) {
                x = masked;
                fx = true;
            }
            if (plan.causal() && pq < pk && (len == t || pk < t)) {
                x = masked;
                fx = true;
            }
            if (pq == pk) {
                x = LshAttentionCore.SELF_VALUE;
                fx = true;
            }
            if (!plan.attendAcrossBuckets() && plan.buckets()[r][jq] != plan.buckets()[r][jk]) {
                x = masked;
                fx = true;
            }
            if (locs != null) x = round(f32, x - duplicateLog(locs[r], pq, pk));
            row[j] = x;
            fixed[j] = fx;
            mx = Math.max(mx, x);
        }
        return mx;
    }

    /**
     * Forward of row r: logsumexp of every sorted item into lse, the per-round outputs (sorted order) into bo
     * (a float[] or double[] in the model's dtype: the GEMM's own results, kept without widening).
     */
    void forwardRow(int r, double[] lse, Object bo) {
        if (tiles()) {
            new LshChunksF32(this, tilesVector).forwardRow(r, lse, (float[]) bo);
            return;
        }
        int w2 = 2 * bs;
        double[] row = new double[w2];
        boolean[] fixed = new boolean[w2];
        LshDropout drop = plan.dropout();
        double[] dm = drop == null ? null : new double[bs * w2];
        Scratch x = new Scratch();
        double[] dots = x.dots, pd = x.pd;
        for (int c0 = 0; c0 < c; c0 += group) {
            int c1 = Math.min(c, c0 + group), gn = c1 - c0;
            gather(r, c0, c1, x);
            dots(gn, x);
            for (int ch = c0; ch < c1; ch++) {
                if (drop != null) dropChunk(drop, r, ch, dm);
                for (int i = 0; i < bs; i++) {
                    int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i;
                    double mx = scores(r, ch, i, dots, o, row, fixed);
                    double sum = 0;
                    for (int j = 0; j < w2; j++) sum += exp(row[j] - mx);
                    double l = round(f32, mx + Math.log(sum));
                    lse[r * hl + s] = l;
                    int od = i * w2;
                    for (int j = 0; j < w2; j++) {
                        double p = round(f32, exp(round(f32, row[j] - l)));
                        pd[o + j] = drop == null ? p : p * dm[od + j];
                    }
                }
            }
            Arrays2.fromDouble(pd, x.sc, gn * bs * w2);
            Arrays2.bmm(gn, bs, dh, w2, x.sc, bs * w2, w2, 1, x.gv, w2 * dh, dh, 1, x.o1); // [G, bs, dh]
            System.arraycopy(x.o1, 0, bo, (r * hl + c0 * bs) * dh, gn * bs * dh);
        }
    }

    /**
     * Dense attention weights [T, L] of row r (reformer-pytorch's {@code _return_attn}, R:401-423): for query p
     * and key q, the sum over rounds k of w_k(p) * P_k(p, q), with P_k the undropped chunk-window softmax of
     * round k (a key seen twice in a window adds up, as {@code scatter_add_} does) and w_k(p) =
     * exp(lse_k(p) - logsumexp_k lse_k(p)). Two passes over the chunks: logsumexps, then the weighted sums.
     */
    double[] attentionRow(int r) {
        int w2 = 2 * bs;
        double[] lse = new double[hl], w = new double[h * t], out = new double[t * len], row = new double[w2];
        boolean[] fixed = new boolean[w2];
        Scratch x = new Scratch();
        for (int pass = 0; pass < 2; pass++) {
            for (int c0 = 0; c0 < c; c0 += group) {
                int c1 = Math.min(c, c0 + group);
                gather(r, c0, c1, x);
                dots(c1 - c0, x);
                for (int ch = c0; ch < c1; ch++) {
                    for (int i = 0; i < bs; i++) {
                        int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i, p = pos(r, s);
                        if (pass == 1 && p >= t) continue;
                        double mx = scores(r, ch, i, x.dots, o, row, fixed);
                        if (pass == 0) {
                            double sum = 0;
                            for (int j = 0; j < w2; j++) sum += exp(row[j] - mx);
                            lse[s] = round(f32, mx + Math.log(sum));
                            continue;
                        }
                        double wk = w[(st[r][s] / len) * t + p];
                        for (int j = 0; j < w2; j++) {
                            out[p * len + pos(r, keyItem(ch, j))] += wk * round(f32, exp(round(f32, row[j] - lse[s])));
                        }
                    }
                }
            }
            if (pass == 1) break;
            int[] undo = plan.sorted().undo()[r];
            for (int p = 0; p < t; p++) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k < h; k++) mx = Math.max(mx, lse[undo[k * len + p]]);
                for (int k = 0; k < h; k++) sum += Math.exp(lse[undo[k * len + p]] - mx);
                // rounded as the forward's mix rounds them (float32: near lse -5e4 the weights need not sum to 1)
                double all = round(f32, mx + Math.log(sum));
                for (int k = 0; k < h; k++) w[k * t + p] = round(f32, Math.exp(round(f32, lse[undo[k * len + p]] - all)));
            }
        }
        return out;
    }

    /**
     * Backward of row r given the output gradient g [N, T, dh], the round weights w [N, H, T], the saved lse and
     * its gradient dlse (per sorted item): returns the gradients of row r's qk (before the rotary turn) and v,
     * each [L, dh].
     */
    double[][] backwardRow(int r, LshAttentionCore.Rows g, double[] w, double[] lse, double[] dlse) {
        double[] dqk = new double[len * dh], dv = new double[len * dh];
        double[] dkPos = new double[len * dh];
        int w2 = 2 * bs;
        double[] row = new double[w2];
        boolean[] fixed = new boolean[w2];
        LshDropout drop = plan.dropout();
        double[] dm = drop == null ? null : new double[bs * w2];
        Scratch x = new Scratch();
        double[] dots = x.dots, pd = x.pd, dd = x.dd, dpd = x.dpd;
        for (int c0 = 0; c0 < c; c0 += group) {
            int c1 = Math.min(c, c0 + group), gn = c1 - c0;
            gather(r, c0, c1, x);
            dots(gn, x);
            // the gradient reaching each sorted item's output: its round weight times the output gradient
            double[] dbo = x.r1;
            java.util.Arrays.fill(dbo, 0, gn * bs * dh, 0.0);
            for (int s = c0 * bs; s < c1 * bs; s++) {
                int j = st[r][s], k = j / len, p = j % len;
                if (p >= t) continue;
                double wk = w[(r * h + k) * t + p];
                int o = (r * t + p) * dh, d = (s - c0 * bs) * dh;
                for (int f = 0; f < dh; f++) dbo[d + f] = wk * g.get(o + f);
            }
            Object dboA = x.o1;
            Arrays2.fromDouble(dbo, dboA, gn * bs * dh);
            Arrays2.bmm(gn, bs, w2, dh, dboA, bs * dh, dh, 1, x.gv, w2 * dh, 1, dh, x.sc2); // dbo v2^T [G, bs, 2bs]
            Arrays2.toDouble(x.sc2, dpd, gn * bs * w2);
            for (int ch = c0; ch < c1; ch++) {
                if (drop != null) dropChunk(drop, r, ch, dm);
                for (int i = 0; i < bs; i++) {
                    int o = ((ch - c0) * bs + i) * w2, s = ch * bs + i, od = i * w2;
                    scores(r, ch, i, dots, o, row, fixed);
                    double l = lse[r * hl + s], tot = 0;
                    for (int j = 0; j < w2; j++) {
                        double p = round(f32, exp(round(f32, row[j] - l)));
                        row[j] = p;
                        pd[o + j] = drop == null ? p : p * dm[od + j];
                        double dp = drop == null ? dpd[o + j] : dpd[o + j] * dm[od + j];
                        dd[o + j] = dp;
                        tot += p * dp;
                    }
                    double dl = dlse[r * hl + s];
                    for (int j = 0; j < w2; j++) dd[o + j] = fixed[j] ? 0 : row[j] * (dd[o + j] - tot + dl) * scale;
                }
            }
            Arrays2.fromDouble(pd, x.sc, gn * bs * w2);
            Arrays2.bmm(gn, w2, dh, bs, x.sc, bs * w2, 1, w2, dboA, bs * dh, dh, 1, x.o2); // pd^T dbo [G, 2bs, dh]
            double[] dv2 = x.r2;
            Arrays2.toDouble(x.o2, dv2, gn * w2 * dh);
            Arrays2.fromDouble(dd, x.sc2, gn * bs * w2);
            Arrays2.bmm(gn, bs, dh, w2, x.sc2, bs * w2, w2, 1, x.gk, w2 * dh, dh, 1, x.o3); // dd k2 [G, bs, dh]
            double[] dq = x.r3;
            Arrays2.toDouble(x.o3, dq, gn * bs * dh);
            Arrays2.bmm(gn, w2, dh, bs, x.sc2, bs * w2, 1, w2, x.gq, bs * dh, dh, 1, x.o1); // dd^T q [G, 2bs, dh]
            double[] dk2 = x.r1;
            Arrays2.toDouble(x.o1, dk2, gn * w2 * dh);
            for (int ch = c0; ch < c1; ch++) {
                for (int i = 0; i < bs; i++) {
                    int a = ((ch - c0) * bs + i) * dh, b = pos(r, ch * bs + i) * dh;
                    for (int f = 0; f < dh; f++) dqk[b + f] += dq[a + f];
                }
                for (int j = 0; j < w2; j++) {
                    int a = ((ch - c0) * w2 + j) * dh, p = pos(r, keyItem(ch, j)), b = p * dh;
                    for (int f = 0; f < dh; f++) {
                        dkPos[p * dh + f] += dk2[a + f];
                        dv[b + f] += dv2[a + f];
                    }
                }
            }
        }
        keyNormBackward(r, dkPos, dqk);
        return new double[][] {dqk, dv};
    }

    /**
     * The float32 tile form of {@link #backwardRow}: the gradients of row r's qk (after the inverse rotary
     * turn) and v go into dqkOut and dvOut [N, L, dh] at the row's offset; per-row buffers are float32 [L, dh].
     */
    void backwardRowF32(int r, float[] g, double[] w, double[] dlse, float[] dqkOut, float[] dvOut) {
        float[] dq = new float[len * dh], dk = new float[len * dh];
        new LshChunksF32(this, tilesVector).backwardRow(r, g, w, dlse, dq, dk, dvOut, r * len * dh);
        float[] q = (float[]) qD, kh = new float[dh];
        for (int p = 0; p < len; p++) {
            int a = (r * len + p) * dh, d = p * dh;
            double nrm = knorm[r * len + p], dot = 0;
            for (int f = 0; f < dh; f++) {
                kh[f] = (float) (q[a + f] / nrm); // the unit key, as the constructor would have kept it
                dot += kh[f] * dk[d + f];
            }
            boolean clamped = nrm <= 1e-12;
            for (int f = 0; f < dh; f++) dq[d + f] += (float) (clamped ? dk[d + f] / nrm : (dk[d + f] - kh[f] * dot) / nrm);
        }
        float[] out = plan.sin() == null ? dq : (float[]) LshAttentionCore.rotate(dq, 1, len, t, dh, plan.sin(), plan.cos(), true);
        System.arraycopy(out, 0, dqkOut, r * len * dh, len * dh);
    }

    /** Float32 tiles: g . (round output) of every sorted item of row r into gbo, the outputs recomputed (see LshChunksF32). */
    void roundDotsF32(int r, float[] g, double[] gbo) {
        new LshChunksF32(this, tilesVector).roundDots(r, g, gbo);
    }

    /** Adds to dqk [L, dh] the gradient dkPos of row r's unit keys taken back through their normalisation. */
    private void keyNormBackward(int r, double[] dkPos, double[] dqk) {
        float[] khF = khD instanceof float[] f ? f : null;
        double[] khA = khF == null ? (double[]) khD : null;
        for (int p = 0; p < len; p++) {
            int a = (r * len + p) * dh, d = p * dh;
            double nrm = knorm[r * len + p], dot = 0;
            for (int f = 0; f < dh; f++) dot += (khF != null ? khF[a + f] : khA[a + f]) * dkPos[d + f];
            boolean clamped = nrm <= 1e-12;
            for (int f = 0; f < dh; f++) {
                double k = khF != null ? khF[a + f] : khA[a + f];
                dqk[d + f] += clamped ? dkPos[d + f] / nrm : (dkPos[d + f] - k * dot) / nrm;
            }
        }
    }

    /**
     * Per row, the 2H chunk locations of each position p (R:375-384): [k*len + p] = the chunk that round k
     * put p in, [(H+k)*len + p] = the chunk after it (which looks back onto it); bucket-qualified when
     * buckets may not be crossed.
     */
    private int[][] duplicateLocations() {
        int[][] out = new int[n][2 * h * len];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < h * len; j++) {
                int l1 = plan.sorted().undo()[r][j] / bs, l2 = (l1 + 1) % c;
                if (!plan.attendAcrossBuckets()) {
                    l1 += plan.buckets()[r][j] * c;
                    l2 += plan.buckets()[r][j] * c;
                }
                out[r][j] = l1;
                out[r][h * len + j] = l2;
            }
        }
        return out;
    }

    /** log(count + 1e-9) of positions a (query) and b (key) of row r. */
    double duplicateLog(int r, int a, int b) {
        return duplicateLog(locs[r], a, b);
    }

    /** log(count + 1e-9) in float32 (torch computes it on an int64 count in the default dtype). */
    private double duplicateLog(int[] loc, int a, int b) {
        int count = 0;
        for (int k = 0; k < h; k++) {
            int la = loc[k * len + a];
            if (la == loc[k * len + b]) count++;
            if (la == loc[(h + k) * len + b]) count++;
        }
        return countLogs[count];
    }

    /** The dropout multipliers of chunk ch of row r, [bs, 2bs] in the reference key order, into dm. */
    void dropChunk(LshDropout drop, int r, int ch, double[] dm) {
        drop.fill((long) (r * c + ch) * bs * 2 * bs, dm, 0, bs * 2 * bs);
    }

    /** {@link #duplicateLog}'s value for each count 0 .. 2h, computed once. */
    private double[] countLogs() {
        double[] t = new double[2 * h + 1];
        for (int count = 0; count < t.length; count++) t[count] = (float) Math.log((float) count + 1e-9f);
        return t;
    }
}
