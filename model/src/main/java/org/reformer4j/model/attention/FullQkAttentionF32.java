package org.reformer4j.model.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.cpu.ExpF32;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.Sgemm;
import org.reformer4j.core.cpu.VectorSupport;
import org.reformer4j.core.random.Generator;

/**
 * {@link FullQkAttention} in float32 on the CPU as one differentiable op over (qk, v) [N, L, dh] -> [N, T, dh]
 * (reformer-pytorch {@code FullQKAttention.forward}, R:449-484): rows n (batch x head) in parallel, each in its
 * thread's [T, L] tile: unit keys, q k^T (core's sgemm, called inside the loop), scale dh^-0.5 and the masks (self -5e4, then
 * keep-mask and causal: -Float.MAX_VALUE), softmax ({@link ExpF32}), the dropout multipliers of the same Philox
 * elements as {@code Functional.dropout} over [N, T, L], then @ v. With a gradient wanted, forward keeps the
 * probabilities [N, T, L] (4 MB per layer at the seed size), dropout's keep bits and the key norms; backward
 * recomputes only the unit keys. Work on masked scores is skipped (a causal row reads only the keys up to its own,
 * {@link #live}): the products run over blocks of 32 query rows or keys, each over its live part only (the seed step's
 * GEMM work 61.13 -> 56.37 GFLOP), with the same bits as the whole products. Not covered (FullQkAttention's unfused graph runs): float64, devices, dropout rate 1.
 */
final class FullQkAttentionF32 extends Function {
    private static final VectorSpecies<Float> S = ExpF32.SPECIES;
    private static final int LANES = S.length();
    private static final float SELF = (float) LshAttentionCore.SELF_VALUE, MASKED = -Float.MAX_VALUE, LO = (float) 1e-12;
    /** Whether the row loops use the Vector API (when enabled); tests clear it to run the scalar twins. */
    static volatile boolean vector = true;
    /**
     * Whether work on masked scores is skipped (see {@link #live}); tests clear it to check that the results are the
     * same bits either way.
     */
    static volatile boolean skipMasked = true;
    /** Query rows per product when masked columns are skipped. */
    private static final int BLOCK = 32;

    private final int t;
    /**
     * The layout of qk, v, the output and their gradients: {@code heads} rows n = batch * heads + head side by side
     * in each position's {@code heads * dh} floats (the [B, L, heads*dh] projections, read in place), or 1 for
     * [N, L, dh].
     */
    private final int heads;
    /** Runs (from, to, code) per score row: [T] rows shared by all n, or [N * T] with an input mask. */
    private final int[][] runs;
    /**
     * Per score row (as runs): the columns [0, live) whose scores the row's softmax reads. Past the row's last
     * unmasked key every score is masked, its probability exactly 0 and its gradient 0, so from there on the products
     * skip the column, the softmax and its backward skip the row's tail, and the tail is written as 0 (a causal row i
     * of L = T keys reads i + 1 of them). A vector loop's lanes only ever add exact zeros from the skipped part, so it
     * stops at a whole vector (or runs to L): the same bits as the whole row. A row with no unmasked key is read whole.
     */
    private final int[] live;
    private final boolean perRow, keep, vec, dropout;
    /** Dropout's Philox key and first block, threshold and kept multiplier as Functional.dropout rounds them. */
    private final long seed, stream, counter;
    private final float atLeast, kept;

    private FullQkAttentionF32(int t, int heads, int[][] runs, boolean perRow, FullQkAttention.Dropout d, long counter, boolean keep) {
        this.t = t;
        this.heads = heads;
        this.runs = runs;
        this.perRow = perRow;
        this.keep = keep;
        this.vec = vector && VectorSupport.ENABLED;
        this.live = live(runs, vec, skipMasked);
        this.dropout = d != null;
        this.counter = counter;
        this.seed = d == null ? 0 : d.seed();
        this.stream = d == null ? 0 : d.stream();
        this.atLeast = d == null ? 0f : Generator.maskThreshold(d.p());
        this.kept = d == null ? 0f : (float) (1.0 / (1.0 - d.p()));
    }

    /** Whether this op computes attention over these inputs (else FullQkAttention's unfused graph does). */
    static boolean covers(Tensor qk, Tensor v, FullQkAttention.Dropout d) {
        return qk.device().isCpu() && v.device().isCpu() && qk.dtype() == DType.F32 && v.dtype() == DType.F32
                && (d == null || d.p() < 1);
    }

    /** Attention of queries qk[:, :T] over the unit keys of qk and v; dropout's counter is drawn here, once. */
    static Tensor attend(Tensor qk, Tensor v, int queryLen, boolean[][] mask, boolean causal, FullQkAttention.Dropout d) {
        return attend(qk, v, 1, queryLen, mask, causal, d);
    }

    /**
     * {@link #attend} of the n = B * heads rows of qk, v [B, L, heads * dh] (head h of batch row b is row b * heads + h,
     * its features at h * dh of each position) without the permuted copies into [N, L, dh]: the products read the rows
     * in place with their stride, and the output [B, T, heads * dh] is written the same way (so it is already the
     * merged heads). The same values, masks (mask rows n) and dropout elements (of [N, T, L]) as {@link #attend}.
     * Arguments validated by {@link FullQkAttention#attendHeads}.
     */
    static Tensor attendHeads(Tensor qk, Tensor v, int heads, int queryLen, boolean[][] mask, boolean causal, FullQkAttention.Dropout d) {
        return attend(qk, v, heads, queryLen, mask, causal, d);
    }

    private static Tensor attend(Tensor qk, Tensor v, int heads, int queryLen, boolean[][] mask, boolean causal, FullQkAttention.Dropout d) {
        int n = qk.size(0) * heads, len = qk.size(1);
        byte[] codes = FullQkAttention.codes(n, queryLen, len, mask, causal);
        long c = d == null ? 0 : d.draw().applyAsLong(Generator.blocksFor4((long) n * queryLen * len));
        boolean grad = org.reformer4j.core.GradMode.isEnabled() && (qk.requiresGrad() || v.requiresGrad());
        return new FullQkAttentionF32(queryLen, heads, FullQkAttention.runs(codes, len), mask != null, d, c, grad).apply(qk, v);
    }

    /** Offset of row n's first position in a tensor of this layout with {@code rows} positions per batch row. */
    private int base(int n, int rows, int dh) {
        return (n / heads) * rows * heads * dh + (n % heads) * dh;
    }

    @Override
    protected String name() {
        return "fullQkAttentionF32";
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
        Tensor qkT = in[0].contiguous(), vT = in[1].contiguous();
        int n = qkT.size(0) * heads, len = qkT.size(1), dh = qkT.size(2) / heads, ld = heads * dh;
        float[] qk = (float[]) qkT.storage().data(), v = (float[]) vT.storage().data();
        int qo = qkT.offset(), vo = vT.offset(), tl = t * len;
        Tensor out = Tensor.empty(new int[] {qkT.size(0), t, ld}, DType.F32, Device.CPU);
        float[] o = (float[]) out.storage().data();
        int oo = out.offset();
        Tensor pT = keep ? Tensor.empty(new int[] {n, t, len}, DType.F32, Device.CPU) : null;
        boolean[] kb = keep && dropout ? new boolean[n * tl] : null;
        float[] raw = new float[n * len], nrm = new float[n * len];
        float scale = (float) Math.pow(dh, -0.5);
        Parallel.forParts(n, n, (r0, r1) -> {
            Tile w = Tile.get(t, len, dh, vec);
            for (int r = r0; r < r1; r++) {
                int qr = qo + base(r, len, dh);
                norms(qk, qr, ld, len, dh, raw, nrm, r * len);
                unitKeys(qk, qr, ld, len, dh, nrm, r * len, w.k);
                // unit keys transposed [dh, L]: packed once for every block's product, or as a plain transpose
                if (w.panels) Sgemm.packPanels(dh, len, w.k, 0, 1, dh, w.kt, 0, w.psK);
                else Arrays2.transpose(w.k, 0, dh, len, dh, w.kt, len);
                // the scores and probabilities in the thread's tile (in cache from the last row), copied out whole when
                // kept: the kernels' and softmax's scattered stores into a fresh [N, T, L] array stalled on its cold lines
                float[] p = w.p;
                int po = 0, lr = perRow ? r * t : 0;
                Blocks bl = blocks(lr, len, dh);
                for (int b = 0, i0 = 0; i0 < t; b++, i0 += bl.rows) { // q k^T [T, L], the live columns of each block of rows
                    int m = Math.min(bl.rows, t - i0);
                    int at = qr + i0 * ld, to = po + i0 * len;
                    if (w.panels) Sgemm.sgemmPanels(m, bl.columns[b], dh, 1f, qk, at, ld, 1, w.kt, 0, w.psK, 0f, p, to, len);
                    else Sgemm.sgemm(m, bl.columns[b], dh, 1f, qk, at, ld, 1, w.kt, 0, len, 1, 0f, p, to, len);
                }
                for (int i = 0; i < t; i++) {
                    int n1 = live[lr + i], o1 = po + i * len;
                    scores(p, o1, runs[lr + i], scale, n1);
                    softmax(p, o1, n1);
                    java.util.Arrays.fill(p, o1 + n1, o1 + len, 0f);
                }
                if (keep) System.arraycopy(p, 0, (float[]) pT.storage().data(), pT.offset() + r * tl, tl);
                float[] a = p;
                int ao = po;
                if (dropout) {
                    // multipliers of elements [r T L, (r+1) T L) of the layer's one draw, then p * m over them
                    Generator.fillMask(seed, stream, counter, (long) r * tl, atLeast, kept, w.m, 0, tl);
                    if (kb != null) keepBits(w.m, tl, kb, r * tl);
                    mul(p, po, w.m, tl);
                    a = w.m;
                    ao = 0;
                }
                if (w.panels) Sgemm.packPanels(len, dh, v, vo + base(r, len, dh), ld, 1, w.rows, 0, w.psL);
                for (int b = 0, i0 = 0; i0 < t; b++, i0 += bl.rows) { // p v over each block's live columns
                    int m = Math.min(bl.rows, t - i0);
                    int at = ao + i0 * len, to = oo + base(r, t, dh) + i0 * ld;
                    if (w.panels) Sgemm.sgemmPanels(m, dh, bl.columns[b], 1f, a, at, len, 1, w.rows, 0, w.psL, 0f, o, to, ld);
                    else Sgemm.sgemm(m, dh, bl.columns[b], 1f, a, at, len, 1, v, vo + base(r, len, dh), ld, 1, 0f, o, to, ld);
                }
            }
        });
        if (keep) { // for backward: the contiguous inputs, the probabilities, dropout's keep bits (null: none), the norms
            ctx.save(qkT, vT, pT);
            ctx.put("bits", kb);
            ctx.put("raw", raw);
            ctx.put("nrm", nrm);
        }
        return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gOut) {
        if (!keep) throw new IllegalStateException("fullQkAttentionF32: backward of a forward that kept nothing (no input wanted a gradient)");
        Tensor qkS = ctx.saved(0), vS = ctx.saved(1), probs = ctx.saved(2), gT = gOut.contiguous();
        int n = qkS.size(0) * heads, len = qkS.size(1), dh = qkS.size(2) / heads, ld = heads * dh, tl = t * len;
        float[] qk = (float[]) qkS.storage().data(), v = (float[]) vS.storage().data(), g = (float[]) gT.storage().data();
        float[] p = (float[]) probs.storage().data();
        int qo = qkS.offset(), vo = vS.offset(), go = gT.offset(), po0 = probs.offset();
        Tensor dqkT = Tensor.empty(qkS.shape(), DType.F32, Device.CPU), dvT = Tensor.empty(qkS.shape(), DType.F32, Device.CPU);
        float[] dqk = (float[]) dqkT.storage().data(), dv = (float[]) dvT.storage().data();
        int dqo = dqkT.offset(), dvo = dvT.offset();
        float scale = (float) Math.pow(dh, -0.5);
        boolean[] kb = ctx.get("bits");
        float[] raw = ctx.get("raw"), nrm = ctx.get("nrm");
        Parallel.forParts(n, n, (r0, r1) -> {
            Tile w = Tile.get(t, len, dh, vec);
            for (int r = r0; r < r1; r++) {
                int qr = qo + base(r, len, dh), vr = vo + base(r, len, dh), gr = go + base(r, t, dh), po = po0 + r * tl;
                unitKeys(qk, qr, ld, len, dh, nrm, r * len, w.k);
                float[] pd = p;
                int pdo = po;
                if (kb != null) { // the multipliers from the keep bits, and the dropped probabilities
                    multipliers(kb, r * tl, p, po, tl, w.m, w.pd);
                    pd = w.pd;
                    pdo = 0;
                }
                int lr = perRow ? r * t : 0, dr = dqo + base(r, len, dh);
                Blocks bl = blocks(lr, len, dh);
                if (w.panels) { // v^T [dh, L] and g's rows, each packed once for every block's product
                    Sgemm.packPanels(dh, len, v, vr, 1, ld, w.kt, 0, w.psK);
                    Sgemm.packPanels(t, dh, g, gr, ld, 1, w.rowsT, 0, w.psT);
                } else {
                    Arrays2.transpose(v, vr, ld, len, dh, w.kt, len);
                }
                for (int b = 0, i0 = 0; i0 < t; b++, i0 += bl.rows) { // g v^T [T, L], the live columns of each block of rows
                    int m = Math.min(bl.rows, t - i0);
                    int at = gr + i0 * ld;
                    if (w.panels) Sgemm.sgemmPanels(m, bl.columns[b], dh, 1f, g, at, ld, 1, w.kt, 0, w.psK, 0f, w.dp, i0 * len, len);
                    else Sgemm.sgemm(m, bl.columns[b], dh, 1f, g, at, ld, 1, w.kt, 0, len, 1, 0f, w.dp, i0 * len, len);
                }
                for (int b = 0, j0 = 0; j0 < len; b++, j0 += bl.keys) { // dv = pd^T g, key rows j0.. from the first query reading them
                    int m = Math.min(bl.keys, len - j0), i0 = bl.first[b], dvAt = dvo + base(r, len, dh) + j0 * ld;
                    int at = pdo + i0 * len + j0;
                    if (w.panels) Sgemm.sgemmPanels(m, dh, t - i0, 1f, pd, at, 1, len, w.rowsT, i0 * w.nr, w.psT, 0f, dv, dvAt, ld);
                    else Sgemm.sgemm(m, dh, t - i0, 1f, pd, at, 1, len, g, gr + i0 * ld, ld, 1, 0f, dv, dvAt, ld);
                }
                for (int i = 0; i < t; i++) {
                    softmaxBackward(p, po + i * len, w.dp, i * len, kb == null ? null : w.m, live[lr + i], len, scale, runs[lr + i]);
                }
                if (w.panels) { // the unit keys' rows and q's, each packed once
                    Sgemm.packPanels(len, dh, w.k, 0, dh, 1, w.rows, 0, w.psL);
                    Sgemm.packPanels(t, dh, qk, qr, ld, 1, w.rowsT, 0, w.psT);
                }
                for (int b = 0, i0 = 0; i0 < t; b++, i0 += bl.rows) { // dq = ds k, rows [0, T)
                    int m = Math.min(bl.rows, t - i0);
                    int to = dr + i0 * ld;
                    if (w.panels) Sgemm.sgemmPanels(m, dh, bl.columns[b], 1f, w.dp, i0 * len, len, 1, w.rows, 0, w.psL, 0f, dqk, to, ld);
                    else Sgemm.sgemm(m, dh, bl.columns[b], 1f, w.dp, i0 * len, len, 1, w.k, 0, dh, 1, 0f, dqk, to, ld);
                }
                for (int b = 0, j0 = 0; j0 < len; b++, j0 += bl.keys) { // dk = ds^T q [L, dh]
                    int m = Math.min(bl.keys, len - j0), i0 = bl.first[b];
                    int at = i0 * len + j0;
                    if (w.panels) Sgemm.sgemmPanels(m, dh, t - i0, 1f, w.dp, at, 1, len, w.rowsT, i0 * w.nr, w.psT, 0f, w.dk, j0 * dh, dh);
                    else Sgemm.sgemm(m, dh, t - i0, 1f, w.dp, at, 1, len, qk, qr + i0 * ld, ld, 1, 0f, w.dk, j0 * dh, dh);
                }
                keysBackward(qk, qr, ld, len, dh, raw, nrm, r * len, w.dk, dqk, dr);
            }
        });
        return new Tensor[] {dqkT, dvT};
    }

    /** Live columns of score rows (as {@link #runs}); every row whole when skip is false. */
    private static int[] live(int[][] runs, boolean vec, boolean skip) {
        int[] out = new int[runs.length];
        for (int q = 0; q < runs.length; q++) {
            int[] rr = runs[q];
            int len = rr[rr.length - 2], hi = 0;
            for (int k = 0; k < rr.length; k += 3) if (rr[k + 2] != 2) hi = rr[k + 1];
            int whole = vec ? (hi + LANES - 1) / LANES * LANES : hi;
            out[q] = !skip || hi == 0 || (vec && whole > S.loopBound(len)) ? len : whole;
        }
        return out;
    }

    /**
     * How the six products of one row n go: query rows in blocks of {@code rows}, block b reading the score columns
     * [0, columns[b]); key rows in blocks of {@code keys}, block b summing over the query rows [first[b], T) (the rows
     * before hold only zeros from the block's first key on).
     */
    private record Blocks(int rows, int[] columns, int keys, int[] first) {}

    /**
     * The blocks of the score rows from lr of a row with L = len keys and dh features: {@link #BLOCK} rows and keys per
     * block over their live part, or each product whole ([T] and [L] in one block) when no row skips a column, or
     * when a block would fall to core's unblocked path for tiny products (its sums rounded otherwise:
     * {@link Sgemm#DIRECT_MACS}) while the whole product does not.
     */
    private Blocks blocks(int lr, int len, int dh) {
        boolean skips = false;
        for (int i = 0; i < t && !skips; i++) skips = live[lr + i] < len;
        Blocks whole = new Blocks(t, new int[] {len}, len, new int[] {0});
        if (!skips) return whole;
        int[] columns = new int[(t + BLOCK - 1) / BLOCK], first = new int[(len + BLOCK - 1) / BLOCK];
        boolean tiny = (long) t * len * dh <= Sgemm.DIRECT_MACS, fits = true;
        for (int b = 0; b < columns.length; b++) {
            int i0 = b * BLOCK, m = Math.min(BLOCK, t - i0);
            for (int i = i0; i < i0 + m; i++) columns[b] = Math.max(columns[b], live[lr + i]);
            fits &= tiny || (long) m * columns[b] * dh > Sgemm.DIRECT_MACS;
        }
        for (int b = 0; b < first.length; b++) {
            int j0 = b * BLOCK, i = 0;
            while (i < t && live[lr + i] <= j0) i++;
            first[b] = i;
            fits &= i < t && (tiny || (long) Math.min(BLOCK, len - j0) * (t - i) * dh > Sgemm.DIRECT_MACS);
        }
        return fits ? new Blocks(BLOCK, columns, BLOCK, first) : whole;
    }

    /**
     * Norms of the L key rows of one row of qk as core's float32 norm computes them (a float64 sum of squares in
     * index order, its sqrt rounded to float) into raw, and clamped at 1e-12 into nrm, from {@code off}; four rows
     * at a time so that their four addition chains overlap.
     */
    private static void norms(float[] qk, int qr, int ld, int len, int dh, float[] raw, float[] nrm, int off) {
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            int a = qr + j * ld;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int f = 0; f < dh; f++) {
                float x0 = qk[a + f], x1 = qk[a + ld + f], x2 = qk[a + 2 * ld + f], x3 = qk[a + 3 * ld + f];
                s0 += (double) x0 * x0;
                s1 += (double) x1 * x1;
                s2 += (double) x2 * x2;
                s3 += (double) x3 * x3;
            }
            raw[off + j] = (float) Math.sqrt(s0);
            raw[off + j + 1] = (float) Math.sqrt(s1);
            raw[off + j + 2] = (float) Math.sqrt(s2);
            raw[off + j + 3] = (float) Math.sqrt(s3);
        }
        for (; j < len; j++) {
            double s = 0;
            for (int f = 0; f < dh; f++) s += (double) qk[qr + j * ld + f] * qk[qr + j * ld + f];
            raw[off + j] = (float) Math.sqrt(s);
        }
        for (j = 0; j < len; j++) nrm[off + j] = Math.max(raw[off + j], LO);
    }

    /** Unit keys k [L, dh]: each qk element divided by its row's clamped norm (as qk.div(norm)). */
    private void unitKeys(float[] qk, int qr, int ld, int len, int dh, float[] nrm, int off, float[] k) {
        for (int j = 0; j < len; j++) {
            int a = qr + j * ld, b = j * dh, f = 0;
            float c = nrm[off + j];
            if (vec) for (int up = S.loopBound(dh); f < up; f += LANES) FloatVector.fromArray(S, qk, a + f).div(c).intoArray(k, b + f);
            for (; f < dh; f++) k[b + f] = qk[a + f] / c;
        }
    }

    /**
     * The gradient reaching qk through k = qk / max(|qk|, 1e-12) from dk [L, dh], per key row j:
     * dqk += dk / c - qk (dk . qk) / (c^2 |qk|) (the second term only where the clamp passes and |qk| > 0);
     * rows below T already hold the query gradient, the rest are written.
     */
    private void keysBackward(float[] qk, int qr, int ld, int len, int dh, float[] raw, float[] nrm, int off, float[] dk, float[] dqk, int dr) {
        for (int j = 0; j < len; j++) {
            int a = qr + j * ld, b = j * dh, d = dr + j * ld, f = 0;
            float c = nrm[off + j], r = raw[off + j], inv = 1f / c;
            float dn = r >= LO && r > 0 ? (float) (-(double) dot(dk, b, qk, a, dh) / ((double) c * c) / r) : 0f;
            boolean add = j < t;
            if (vec) {
                for (int up = S.loopBound(dh); f < up; f += LANES) {
                    FloatVector x = FloatVector.fromArray(S, dk, b + f).mul(inv).add(FloatVector.fromArray(S, qk, a + f).mul(dn));
                    if (add) x = x.add(FloatVector.fromArray(S, dqk, d + f));
                    x.intoArray(dqk, d + f);
                }
            }
            for (; f < dh; f++) {
                float x = dk[b + f] * inv + qk[a + f] * dn;
                dqk[d + f] = add ? x + dqk[d + f] : x;
            }
        }
    }

    /** Dropout's keep bits of multipliers m [n] into kb from {@code off}. */
    private void keepBits(float[] m, int n, boolean[] kb, int off) {
        int e = 0;
        if (vec) for (int up = S.loopBound(n); e < up; e += LANES) FloatVector.fromArray(S, m, e).compare(VectorOperators.NE, 0f).intoArray(kb, off + e);
        for (; e < n; e++) kb[off + e] = m[e] != 0f;
    }

    /** Multipliers m (kept: 1/(1-p), else 0) from the keep bits kb[off, off + n), and the dropped probabilities pd = p m. */
    private void multipliers(boolean[] kb, int off, float[] p, int po, int n, float[] m, float[] pd) {
        int e = 0;
        if (vec) {
            FloatVector zero = FloatVector.zero(S);
            for (int up = S.loopBound(n); e < up; e += LANES) {
                FloatVector x = zero.blend(kept, VectorMask.fromArray(S, kb, off + e));
                x.intoArray(m, e);
                FloatVector.fromArray(S, p, po + e).mul(x).intoArray(pd, e);
            }
        }
        for (; e < n; e++) {
            m[e] = kb[off + e] ? kept : 0f;
            pd[e] = p[po + e] * m[e];
        }
    }

    /** The first n entries of one score row in place: runs of code 0 scaled, code 1 the self value, code 2 the masked value. */
    private void scores(float[] x, int o, int[] rr, float scale, int n) {
        for (int k = 0; k < rr.length && rr[k] < n; k += 3) {
            int from = o + rr[k], to = o + Math.min(rr[k + 1], n);
            if (rr[k + 2] == 0) scale(x, from, to - from, scale);
            else java.util.Arrays.fill(x, from, to, rr[k + 2] == 1 ? SELF : MASKED);
        }
    }

    /** Softmax of one row in place as core's float32 softmax: max (0 if -inf), exp(x - max) and their sum, times 1/sum. */
    private void softmax(float[] x, int o, int n) {
        float m = max(x, o, n);
        if (m == Float.NEGATIVE_INFINITY) m = 0f;
        float s = expShiftSum(x, o, m, n);
        scale(x, o, n, 1f / s);
    }

    /**
     * Gradient of one score row of len entries in place over dp (the gradient of the dropped probabilities on entry,
     * read over its first n): times the multipliers m (when dropout), then softmax's backward
     * {@code p (dp - sum(p dp))}, times the scale, 0 where a code set the score and from n on.
     */
    private void softmaxBackward(float[] p, int po, float[] dp, int o, float[] m, int n, int len, float scale, int[] rr) {
        if (m != null) mul(m, o, dp, o, n);
        float s = dot(dp, o, p, po, n);
        int j = 0;
        if (vec) {
            for (int up = S.loopBound(n); j < up; j += LANES) {
                FloatVector y = FloatVector.fromArray(S, p, po + j);
                y.mul(FloatVector.fromArray(S, dp, o + j).sub(s)).mul(scale).intoArray(dp, o + j);
            }
        }
        for (; j < n; j++) dp[o + j] = p[po + j] * (dp[o + j] - s) * scale;
        for (int k = 0; k < rr.length && rr[k] < n; k += 3) if (rr[k + 2] != 0) java.util.Arrays.fill(dp, o + rr[k], o + Math.min(rr[k + 1], n), 0f);
        java.util.Arrays.fill(dp, o + n, o + len, 0f);
    }

    // ---- row kernels: the Vector API loop, then the scalar loop (its tail, and the whole row when !vec) ----

    private float max(float[] x, int o, int n) {
        int j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (vec && n >= LANES) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int up = S.loopBound(n); j < up; j += LANES) { // compare and blend, as core's row max (no NaN/-0 rules)
                FloatVector y = FloatVector.fromArray(S, x, o + j);
                acc = acc.blend(y, acc.compare(VectorOperators.LT, y));
            }
            m = acc.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (; j < n; j++) m = Math.max(m, x[o + j]);
        return m;
    }

    /** x = exp(x - shift) in place; returns the sum (lane stripes, then lanes in order, then the tail). */
    private float expShiftSum(float[] x, int o, float shift, int n) {
        int j = 0;
        float s = 0f;
        if (vec) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); j < up; j += LANES) {
                FloatVector e = ExpF32.exp(FloatVector.fromArray(S, x, o + j).sub(shift));
                e.intoArray(x, o + j);
                acc = acc.add(e);
            }
            s = ExpF32.sumLanes(acc);
        }
        for (; j < n; j++) s += (x[o + j] = ExpF32.exp(x[o + j] - shift));
        return s;
    }

    /** x[o, o+n) *= c. */
    private void scale(float[] x, int o, int n, float c) {
        int j = 0;
        if (vec) for (int up = S.loopBound(n); j < up; j += LANES) FloatVector.fromArray(S, x, o + j).mul(c).intoArray(x, o + j);
        for (; j < n; j++) x[o + j] *= c;
    }

    /** x[xo + j] *= y[j] for j < n. */
    private void mul(float[] x, int xo, float[] y, int n) {
        mul(x, xo, y, 0, n);
    }

    /** y[yo + j] = x[xo + j] * y[yo + j] for j < n (the product as x * y). */
    private void mul(float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        if (vec) {
            for (int up = S.loopBound(n); j < up; j += LANES) {
                FloatVector.fromArray(S, x, xo + j).mul(FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
            }
        }
        for (; j < n; j++) y[yo + j] = x[xo + j] * y[yo + j];
    }

    /** sum of a[ao + j] b[bo + j] (fused multiply-adds per lane, lanes in order, then the tail). */
    private float dot(float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        float s = 0f;
        if (vec) {
            FloatVector acc = FloatVector.zero(S);
            for (int up = S.loopBound(n); j < up; j += LANES) {
                acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
            }
            s = ExpF32.sumLanes(acc);
        }
        for (; j < n; j++) s += a[ao + j] * b[bo + j];
        return s;
    }

    /** One thread's tiles: unit keys and their gradient [L, dh], scores/probabilities, multipliers, dropped probabilities [T, L]. */
    private static final class Tile {
        private static final ThreadLocal<Tile> TILES = ThreadLocal.withInitial(Tile::new);
        /**
         * Unit keys [L, dh], their gradient, and keys or values transposed [dh, L] (with {@link #panels}: packed in
         * panels of keys, {@link Sgemm#packPanels}).
         */
        float[] k = new float[0], dk = new float[0], kt = new float[0];
        /**
         * With {@link #panels}: B operands of L rows (v, the unit keys) and of T rows (the output gradient, q) packed in
         * panels of dh columns, each once per row n for all of its blocks' products.
         */
        float[] rows = new float[0], rowsT = new float[0];
        /** Whether the products take packed panels (the Vector API kernels), their width, the panel strides of dh, L and T rows. */
        boolean panels;
        int nr, psK, psL, psT;
        float[] p = new float[0], dp = new float[0], m = new float[0], pd = new float[0];

        static Tile get(int t, int len, int dh, boolean vec) {
            Tile w = TILES.get();
            w.panels = vec && Sgemm.panelWidth() > 0;
            int nr = Math.max(1, Sgemm.panelWidth());
            w.nr = nr;
            w.psK = dh * nr;
            w.psL = len * nr;
            w.psT = t * nr;
            int kt = w.panels ? (len + nr - 1) / nr * w.psK : len * dh, dhPanels = (dh + nr - 1) / nr;
            if (w.k.length < len * dh) {
                w.k = new float[len * dh];
                w.dk = new float[len * dh];
            }
            if (w.kt.length < kt) w.kt = new float[kt];
            if (w.panels && w.rows.length < dhPanels * w.psL) w.rows = new float[dhPanels * w.psL];
            if (w.panels && w.rowsT.length < dhPanels * w.psT) w.rowsT = new float[dhPanels * w.psT];
            if (w.p.length < t * len) {
                w.p = new float[t * len];
                w.dp = new float[t * len];
                w.m = new float[t * len];
                w.pd = new float[t * len];
            }
            return w;
        }
    }
}
