package org.reformer4j.kernels.reformer;

import static org.reformer4j.kernels.reformer.LshScores.fma;
import static org.reformer4j.kernels.reformer.LshScores.r;

/**
 * CPU twin of lsh_attention_forward.cu (reformer-pytorch LSHAttention.forward after hashing, R:295-424;
 * golden README 5.c-h), step by step: rotary turn of rows p < T, gather into sorted order, unit keys,
 * chunks of bs queries seeing their chunk and the one before (2bs keys), scores q.k * dh^-0.5 with every
 * mask, softmax with logsumexp {@code lse}, attention dropout (the tables' multipliers, when given) and
 * {@code bo = p @ v}; then unsort and mix the rounds with
 * {@code w = exp(lse - logsumexp_k lse)}. float32 ({@code f32}: rounded where the kernel rounds, dot products
 * as fused multiply-adds in the kernel's order) or float64 (the exact function, for gradient checks).
 * Shapes: qk, v [N, L, dh]; out [N, T, dh]; bo [N, H*L, dh] and lse, w [N, H*L] in sorted order.
 */
public final class LshAttentionForwardCpu {
    private LshAttentionForwardCpu() {}

    /** The output and what the backward needs (w = 0 for memory rows p >= T). */
    public record Result(double[] out, double[] bo, double[] lse, double[] weight) {}

    public static Result forward(LshConfig c, LshTables t, double[] qk, double[] v, boolean f32) {
        t.check(c);
        int dh = c.dimHead(), len = c.len(), bs = c.bucketSize(), hl = c.items(), w2 = 2 * bs;
        if (qk.length != c.rows() * len * dh || v.length != qk.length)
            throw new IllegalArgumentException("lsh_attention: qk holds " + qk.length + " and v " + v.length
                    + " elements, both must be N*L*dh = " + c.rows() * len * dh + " for " + c);
        double[] rot = LshScores.rotate(c, t, qk, f32);
        double[] kh = LshScores.unitKeys(c, rot, LshScores.norms(c, rot, f32), f32);
        double[] bo = new double[c.rows() * hl * dh], lse = new double[c.rows() * hl];
        double[] x = new double[w2];
        double scale = f32 ? c.scale() : Math.pow(c.dimHead(), -0.5);
        for (int n = 0; n < c.rows(); n++) {
            int base = n * hl;
            for (int ch = 0; ch < c.chunks(); ch++)
                for (int i = 0; i < bs; i++) {
                    int sq = ch * bs + i, jq = t.sticker()[base + sq], pq = jq % len, q = (n * len + pq) * dh;
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < w2; j++) {
                        int jk = t.sticker()[base + LshScores.keyPlace(c, ch, j)], pk = jk % len, k = (n * len + pk) * dh;
                        double dot = 0;
                        for (int f = 0; f < dh; f++) dot = fma(f32, rot[q + f], kh[k + f], dot);
                        x[j] = LshScores.score(c, t, n, pq, pk, t.buckets()[base + jq], t.buckets()[base + jk],
                                r(f32, dot * scale), f32);
                        mx = Math.max(mx, x[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < w2; j++) sum = r(f32, sum + r(f32, Math.exp(r(f32, x[j] - mx))));
                    double l = r(f32, mx + r(f32, Math.log(sum)));
                    lse[base + sq] = l;
                    int o = (base + sq) * dh;
                    int od = (base + sq) * w2;
                    for (int j = 0; j < w2; j++) {
                        double p = r(f32, Math.exp(r(f32, x[j] - l)));
                        if (t.drop() != null) p = r(f32, p * t.drop()[od + j]);
                        int pk = t.sticker()[base + LshScores.keyPlace(c, ch, j)] % len, k = (n * len + pk) * dh;
                        for (int f = 0; f < dh; f++) bo[o + f] = fma(f32, p, v[k + f], bo[o + f]);
                    }
                }
        }
        return combine(c, t, bo, lse, f32);
    }

    /** Unsort and the round mix (R:413-424): one position at a time, the rounds in order. */
    static Result combine(LshConfig c, LshTables t, double[] bo, double[] lse, boolean f32) {
        int dh = c.dimHead(), len = c.len(), hl = c.items(), h = c.hashes(), tq = c.queryLen();
        double[] out = new double[c.rows() * tq * dh], w = new double[c.rows() * hl];
        for (int n = 0; n < c.rows(); n++)
            for (int p = 0; p < tq; p++) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k < h; k++) mx = Math.max(mx, lse[n * hl + t.undo()[n * hl + k * len + p]]);
                for (int k = 0; k < h; k++) sum = r(f32, sum + r(f32, Math.exp(r(f32, lse[n * hl + t.undo()[n * hl + k * len + p]] - mx))));
                double all = r(f32, mx + r(f32, Math.log(sum)));
                int o = (n * tq + p) * dh;
                for (int k = 0; k < h; k++) {
                    int s = n * hl + t.undo()[n * hl + k * len + p];
                    double wk = r(f32, Math.exp(r(f32, lse[s] - all)));
                    w[s] = wk;
                    for (int f = 0; f < dh; f++) out[o + f] = fma(f32, wk, bo[s * dh + f], out[o + f]);
                }
            }
        return new Result(out, bo, lse, w);
    }

    /** float32 in and out: the twin of the kernel pair (forward, combine). */
    public static Result forward(LshConfig c, LshTables t, float[] qk, float[] v) {
        return forward(c, t, widen(qk), widen(v), true);
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] narrow(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
