package org.reformer4j.model.attention;

import static org.reformer4j.model.attention.Arrays2.round;
import static org.reformer4j.model.attention.Arrays2.tensor;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.cpu.Parallel;

/**
 * The LSH attention of one layer as one differentiable op over (qk, v) [N, L, dh] -> out [N, T, dh]
 * (reformer-pytorch {@code LSHAttention.forward} after hashing, R:280-424): rotary embedding of the first
 * T rows, gather into the bucket order, C = H*L/bs chunks of bs queries that see their chunk and the one
 * before (2bs keys, unit-normalised), masks in the reference order (input, causal, self -5e4, other bucket,
 * duplicate count), softmax with its logsumexp, dropout, unsort, and the logsumexp-weighted mix of the H
 * rounds. The two dense products per direction run as batched GEMMs over [N*C, bs, dh] blocks; the rest is
 * float64 loops, rounded to float32 where torch's float32 ops round (see {@link Arrays2#round}). Backward
 * is hand-written below forward. Shapes: N rows, L keys (tokens + memory), T queries, H rounds, bs bucket size.
 */
public final class LshAttentionCore extends Function {
    /** torch's TOKEN_SELF_ATTN_VALUE: the score of a query with itself. */
    public static final double SELF_VALUE = -5e4;

    /** Everything but the two differentiable inputs. Rotary tables are [T * dh/2] (or null: no rotary). */
    public record Plan(int queryLen, int nHashes, int bucketSize, int[][] buckets, LshBuckets.Sorted sorted,
                       boolean[][] mask, double[] sin, double[] cos, boolean causal, boolean attendAcrossBuckets,
                       boolean allowDuplicateAttention, double[] dropoutScale) {}

    private final Plan plan;

    public LshAttentionCore(Plan plan) {
        this.plan = plan;
    }

    @Override
    protected String name() {
        return "lshAttention";
    }

    private static final class Saved {
        int n, len, dh, c, bs;
        double scale;
        Tensor q, k2, v2;
        double[] kh, knorm, p, pd, bo, lse, w;
        boolean[] fixed;
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
        Tensor qkT = in[0], vT = in[1];
        DType dt = qkT.dtype();
        boolean f32 = dt == DType.F32;
        final int n = qkT.size(0), len = qkT.size(1), dh = qkT.size(2);
        final int h = plan.nHashes(), bs = plan.bucketSize(), t = plan.queryLen(), hl = h * len, c = hl / bs;
        final int[][] st = plan.sorted().sticker(), undo = plan.sorted().undo();
        double[] qk = qkT.toDoubleArray(), v = vT.toDoubleArray();
        if (plan.sin() != null) qk = rotate(qk, n, len, t, dh, plan.sin(), plan.cos(), f32, false);
        // gather into sorted order; unit-normalised keys
        double[] sq = new double[n * hl * dh], sv = new double[n * hl * dh], kh = new double[n * hl * dh];
        double[] knorm = new double[n * hl];
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < hl; s++) {
                int p = st[r][s] % len, src = (r * len + p) * dh, dst = (r * hl + s) * dh;
                System.arraycopy(qk, src, sq, dst, dh);
                System.arraycopy(v, src, sv, dst, dh);
                double ss = 0;
                for (int f = 0; f < dh; f++) ss += sq[dst + f] * sq[dst + f];
                double nrm = Math.max(Math.sqrt(ss), 1e-12);
                knorm[r * hl + s] = nrm;
                for (int f = 0; f < dh; f++) kh[dst + f] = round(f32, sq[dst + f] / nrm);
            }
        }
        double[] k2 = lookOneBack(kh, n, c, bs, dh), v2 = lookOneBack(sv, n, c, bs, dh);
        Tensor q = tensor(sq, dt, n * c, bs, dh), k2T = tensor(k2, dt, n * c, 2 * bs, dh), v2T = tensor(v2, dt, n * c, 2 * bs, dh);
        double[] dots = q.matmul(k2T.transpose(1, 2)).toDoubleArray();
        double scale = Math.pow(dh, -0.5);
        int w2 = 2 * bs;
        double[] prob = new double[dots.length], lse = new double[n * hl];
        boolean[] fixed = new boolean[dots.length];
        double masked = Arrays2.maskValue(dt);
        int[][] locs = plan.allowDuplicateAttention() ? null : duplicateLocations(n, len, c);
        Parallel.forRange(n * c, 8, (from, to) -> {
            double[] row = new double[w2];
            for (int rc = from; rc < to; rc++) {
                int r = rc / c, ch = rc % c, prev = (ch - 1 + c) % c;
                for (int i = 0; i < bs; i++) {
                    int sQ = ch * bs + i, jq = st[r][sQ], pq = jq % len;
                    int o = (rc * bs + i) * w2;
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < w2; j++) {
                        int sK = j < bs ? ch * bs + j : prev * bs + j - bs, jk = st[r][sK], pk = jk % len;
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
                            x = SELF_VALUE;
                            fx = true;
                        }
                        if (!plan.attendAcrossBuckets() && plan.buckets()[r][jq] != plan.buckets()[r][jk]) {
                            x = masked;
                            fx = true;
                        }
                        if (locs != null) x = round(f32, x - duplicateLog(locs[r], pq, pk, len, h));
                        row[j] = x;
                        fixed[o + j] = fx;
                        mx = Math.max(mx, x);
                    }
                    double sum = 0;
                    for (int j = 0; j < w2; j++) sum += Math.exp(row[j] - mx);
                    double l = round(f32, mx + Math.log(sum));
                    lse[r * hl + sQ] = l;
                    for (int j = 0; j < w2; j++) prob[o + j] = round(f32, Math.exp(round(f32, row[j] - l)));
                }
            }
        });
        double[] pd = prob;
        if (plan.dropoutScale() != null) {
            pd = new double[prob.length];
            for (int i = 0; i < pd.length; i++) pd[i] = prob[i] * plan.dropoutScale()[i];
        }
        double[] bo = tensor(pd, dt, n * c, bs, w2).matmul(v2T).toDoubleArray(); // [N, H*L, dh] sorted
        // unsort and mix the rounds by their logsumexps
        double[] out = new double[n * t * dh], wts = new double[n * h * t];
        double[] lg = new double[h];
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < t; p++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < h; k++) {
                    lg[k] = lse[r * hl + undo[r][k * len + p]];
                    mx = Math.max(mx, lg[k]);
                }
                double sum = 0;
                for (int k = 0; k < h; k++) sum += Math.exp(lg[k] - mx);
                double all = round(f32, mx + Math.log(sum));
                int o = (r * t + p) * dh;
                for (int k = 0; k < h; k++) {
                    double wk = round(f32, Math.exp(round(f32, lg[k] - all)));
                    wts[(r * h + k) * t + p] = wk;
                    int b = (r * hl + undo[r][k * len + p]) * dh;
                    for (int f = 0; f < dh; f++) out[o + f] += wk * bo[b + f];
                }
            }
        }
        Saved sd = new Saved();
        sd.n = n;
        sd.len = len;
        sd.dh = dh;
        sd.c = c;
        sd.bs = bs;
        sd.scale = scale;
        sd.q = q;
        sd.k2 = k2T;
        sd.v2 = v2T;
        sd.kh = kh;
        sd.knorm = knorm;
        sd.p = prob;
        sd.pd = pd;
        sd.bo = bo;
        sd.lse = lse;
        sd.w = wts;
        sd.fixed = fixed;
        ctx.put("saved", sd);
        return tensor(out, dt, n, t, dh);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Saved sd = ctx.get("saved");
        DType dt = gradOutput.dtype();
        boolean f32 = dt == DType.F32;
        final int n = sd.n, len = sd.len, dh = sd.dh, c = sd.c, bs = sd.bs, w2 = 2 * bs;
        final int h = plan.nHashes(), t = plan.queryLen(), hl = h * len;
        final int[][] st = plan.sorted().sticker(), undo = plan.sorted().undo();
        double[] g = gradOutput.toDoubleArray();
        double[] dbo = new double[n * hl * dh], dlse = new double[n * hl];
        double[] dw = new double[h];
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < t; p++) {
                int o = (r * t + p) * dh;
                double sum = 0;
                for (int k = 0; k < h; k++) {
                    int b = (r * hl + undo[r][k * len + p]) * dh;
                    double d = 0;
                    for (int f = 0; f < dh; f++) d += g[o + f] * sd.bo[b + f];
                    dw[k] = d;
                    sum += sd.w[(r * h + k) * t + p] * d;
                }
                for (int k = 0; k < h; k++) {
                    double wk = sd.w[(r * h + k) * t + p];
                    int s = r * hl + undo[r][k * len + p];
                    dlse[s] = wk * (dw[k] - sum);
                    for (int f = 0; f < dh; f++) dbo[s * dh + f] = wk * g[o + f];
                }
            }
        }
        Tensor dboT = tensor(dbo, dt, n * c, bs, dh);
        double[] dpd = dboT.matmul(sd.v2.transpose(1, 2)).toDoubleArray(); // [N*C, bs, 2bs]
        double[] dv2 = tensor(sd.pd, dt, n * c, bs, w2).transpose(1, 2).matmul(dboT).toDoubleArray();
        double[] dd = new double[dpd.length];
        double[] drop = plan.dropoutScale();
        Parallel.forRange(n * c * bs, 64, (from, to) -> {
            for (int q = from; q < to; q++) {
                int o = q * w2;
                double tot = 0;
                for (int j = 0; j < w2; j++) {
                    double dp = drop == null ? dpd[o + j] : dpd[o + j] * drop[o + j];
                    dd[o + j] = dp;
                    tot += sd.p[o + j] * dp;
                }
                double dl = dlse[q]; // sorted item index = q (chunk-major layout)
                for (int j = 0; j < w2; j++) {
                    dd[o + j] = sd.fixed[o + j] ? 0 : sd.p[o + j] * (dd[o + j] - tot + dl) * sd.scale;
                }
            }
        });
        Tensor ddT = tensor(dd, dt, n * c, bs, w2);
        double[] dq = ddT.matmul(sd.k2).toDoubleArray(); // [N*C, bs, dh] = [N, H*L, dh]
        double[] dk2 = ddT.transpose(1, 2).matmul(sd.q).toDoubleArray(); // [N*C, 2bs, dh]
        double[] dkh = foldLookBack(dk2, n, c, bs, dh), dsv = foldLookBack(dv2, n, c, bs, dh);
        double[] dqk = new double[n * len * dh], dv = new double[n * len * dh];
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < hl; s++) {
                int a = (r * hl + s) * dh, p = st[r][s] % len, b = (r * len + p) * dh;
                double nrm = sd.knorm[r * hl + s];
                double dot = 0;
                for (int f = 0; f < dh; f++) dot += sd.kh[a + f] * dkh[a + f];
                boolean clamped = nrm <= 1e-12;
                for (int f = 0; f < dh; f++) {
                    double dn = clamped ? dkh[a + f] / nrm : (dkh[a + f] - sd.kh[a + f] * dot) / nrm;
                    dqk[b + f] += dq[a + f] + dn;
                    dv[b + f] += dsv[a + f];
                }
            }
        }
        if (plan.sin() != null) dqk = rotate(dqk, n, len, t, dh, plan.sin(), plan.cos(), false, true);
        return new Tensor[] {tensor(dqk, dt, n, len, dh), tensor(dv, dt, n, len, dh)};
    }

    // ---- pieces ---------------------------------------------------------------------------------------

    /** Rotary embedding of rows p < t: pair (2i, 2i+1) turned by angle p*freq_i (inverse turn when {@code back}). */
    static double[] rotate(double[] x, int n, int len, int t, int dh, double[] sin, double[] cos, boolean f32, boolean back) {
        double[] y = x.clone();
        int half = dh / 2;
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < t; p++) {
                int o = (r * len + p) * dh;
                for (int i = 0; i < half; i++) {
                    double sn = back ? -sin[p * half + i] : sin[p * half + i], cs = cos[p * half + i];
                    double a = x[o + 2 * i], b = x[o + 2 * i + 1];
                    y[o + 2 * i] = round(f32, round(f32, a * cs) - round(f32, b * sn));
                    y[o + 2 * i + 1] = round(f32, round(f32, b * cs) + round(f32, a * sn));
                }
            }
        }
        return y;
    }

    /** [N, C, bs, dh] -> [N, C, 2bs, dh]: each chunk followed by the chunk before it (chunk 0 by chunk C-1). */
    static double[] lookOneBack(double[] x, int n, int c, int bs, int dh) {
        int blk = bs * dh;
        double[] y = new double[2 * x.length];
        for (int r = 0; r < n; r++) {
            for (int ch = 0; ch < c; ch++) {
                int prev = (ch - 1 + c) % c, dst = ((r * c + ch) * 2) * blk;
                System.arraycopy(x, (r * c + ch) * blk, y, dst, blk);
                System.arraycopy(x, (r * c + prev) * blk, y, dst + blk, blk);
            }
        }
        return y;
    }

    /** Adjoint of {@link #lookOneBack}. */
    static double[] foldLookBack(double[] y, int n, int c, int bs, int dh) {
        int blk = bs * dh;
        double[] x = new double[y.length / 2];
        for (int r = 0; r < n; r++) {
            for (int ch = 0; ch < c; ch++) {
                int prev = (ch - 1 + c) % c, src = ((r * c + ch) * 2) * blk;
                int a = (r * c + ch) * blk, b = (r * c + prev) * blk;
                for (int e = 0; e < blk; e++) {
                    x[a + e] += y[src + e];
                    x[b + e] += y[src + blk + e];
                }
            }
        }
        return x;
    }

    /**
     * Per row, the 2H chunk locations of each position p (R:375-384): [k*len + p] = the chunk that round k
     * put p in, [(H+k)*len + p] = the chunk after it (which looks back onto it); bucket-qualified when
     * buckets may not be crossed.
     */
    private int[][] duplicateLocations(int n, int len, int c) {
        int h = plan.nHashes(), bs = plan.bucketSize();
        int[][] locs = new int[n][2 * h * len];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < h * len; j++) {
                int l1 = plan.sorted().undo()[r][j] / bs, l2 = (l1 + 1) % c;
                if (!plan.attendAcrossBuckets()) {
                    l1 += plan.buckets()[r][j] * c;
                    l2 += plan.buckets()[r][j] * c;
                }
                locs[r][j] = l1;
                locs[r][h * len + j] = l2;
            }
        }
        return locs;
    }

    /** log(count + 1e-9) in float32 (torch computes it on an int64 count in the default dtype). */
    private static double duplicateLog(int[] locs, int a, int b, int len, int h) {
        int count = 0;
        for (int k = 0; k < h; k++) {
            int la = locs[k * len + a];
            if (la == locs[k * len + b]) count++;
            if (la == locs[(h + k) * len + b]) count++;
        }
        return (float) Math.log((float) count + 1e-9f);
    }
}
