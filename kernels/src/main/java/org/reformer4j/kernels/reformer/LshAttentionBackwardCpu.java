package org.reformer4j.kernels.reformer;

import static org.reformer4j.kernels.reformer.LshScores.fma;
import static org.reformer4j.kernels.reformer.LshScores.r;

/**
 * CPU twin of lsh_attention_backward.cu: dL/dqk and dL/dv of {@link LshAttentionForwardCpu} from g = dL/dout,
 * recomputing the scores from the saved logsumexp. With w the saved round weight of a query item and
 * D = g[p] . out[p], the round mix and the softmax give dx_ij = w_i p_ij (g_i . v_j - D_i) for a free
 * score (0 where a mask fixed it) - with attention dropout multipliers s, dx_ij = w_i p_ij (s_ij g_i . v_j - D_i)
 * and dv uses w p s; then dq = scale dx k^, dk^ = scale dx^T q, dv = (w p)^T g per chunk,
 * the normalisation's backward (dk^ - k^ (k^ . dk^)) / ||k||, the rounds summed per position, and the
 * transpose of the rotary turn. float32 (the kernel's steps) or float64 (the exact gradient).
 * Shapes: qk, v, dqk, dv [N, L, dh]; g, out [N, T, dh]; lse, w [N, H*L].
 */
public final class LshAttentionBackwardCpu {
    private LshAttentionBackwardCpu() {}

    /** dL/dqk and dL/dv, [N, L, dh] each. */
    public record Grads(double[] dqk, double[] dv) {}

    public static Grads backward(LshConfig c, LshTables t, double[] qk, double[] v, LshAttentionForwardCpu.Result fwd,
            double[] g, boolean f32) {
        t.check(c);
        int dh = c.dimHead(), len = c.len(), bs = c.bucketSize(), hl = c.items(), w2 = 2 * bs, tq = c.queryLen();
        if (g.length != c.rows() * tq * dh)
            throw new IllegalArgumentException("lsh_attention_backward: g holds " + g.length + " elements, needs N*T*dh = "
                    + c.rows() * tq * dh + " for " + c);
        double[] rot = LshScores.rotate(c, t, qk, f32), nrm = LshScores.norms(c, rot, f32);
        double[] kh = LshScores.unitKeys(c, rot, nrm, f32);
        double[] dq = new double[c.rows() * hl * dh], dk = new double[dq.length], dvs = new double[dq.length];
        double[] dx = new double[bs * w2], wp = new double[bs * w2];
        double scale = f32 ? c.scale() : Math.pow(c.dimHead(), -0.5);
        for (int n = 0; n < c.rows(); n++) {
            int base = n * hl;
            for (int ch = 0; ch < c.chunks(); ch++) {
                for (int i = 0; i < bs; i++) {
                    int sq = ch * bs + i, jq = t.sticker()[base + sq], pq = jq % len, q = (n * len + pq) * dh;
                    int gq = (n * tq + pq) * dh;
                    double d = 0;
                    if (pq < tq) for (int f = 0; f < dh; f++) d = fma(f32, g[gq + f], fwd.out()[gq + f], d);
                    double wi = fwd.weight()[base + sq], li = fwd.lse()[base + sq];
                    for (int j = 0; j < w2; j++) {
                        int jk = t.sticker()[base + LshScores.keyPlace(c, ch, j)], pk = jk % len, k = (n * len + pk) * dh;
                        double dot = 0, dp = 0;
                        for (int f = 0; f < dh; f++) dot = fma(f32, rot[q + f], kh[k + f], dot);
                        if (pq < tq) for (int f = 0; f < dh; f++) dp = fma(f32, g[gq + f], v[k + f], dp);
                        int bq = t.buckets()[base + jq], bk = t.buckets()[base + jk];
                        double x = LshScores.score(c, t, n, pq, pk, bq, bk, r(f32, dot * scale), f32);
                        boolean fixed = !Double.isNaN(LshScores.maskValue(c, t, n, pq, pk, bq, bk, f32));
                        double pw = r(f32, wi * r(f32, Math.exp(r(f32, x - li)))), pws = pw;
                        if (t.drop() != null) {
                            double sj = t.drop()[(base + sq) * w2 + j];
                            dp = r(f32, dp * sj);
                            pws = r(f32, pw * sj);
                        }
                        wp[i * w2 + j] = pws;
                        dx[i * w2 + j] = fixed ? 0 : r(f32, r(f32, pw * r(f32, dp - d)) * scale);
                    }
                    int o = (base + sq) * dh;
                    for (int j = 0; j < w2; j++) {
                        int k = (n * len + t.sticker()[base + LshScores.keyPlace(c, ch, j)] % len) * dh;
                        for (int f = 0; f < dh; f++) dq[o + f] = fma(f32, dx[i * w2 + j], kh[k + f], dq[o + f]);
                    }
                }
                // keys: this block's share of dk^ and dv (the chunk's own items and the look-back chunk's)
                for (int j = 0; j < w2; j++) {
                    int o = (base + LshScores.keyPlace(c, ch, j)) * dh;
                    for (int f = 0; f < dh; f++) {
                        double ak = 0, av = 0;
                        for (int i = 0; i < bs; i++) {
                            int pq = t.sticker()[base + ch * bs + i] % len;
                            ak = fma(f32, dx[i * w2 + j], rot[(n * len + pq) * dh + f], ak);
                            av = fma(f32, wp[i * w2 + j], pq < tq ? g[(n * tq + pq) * dh + f] : 0, av);
                        }
                        dk[o + f] = r(f32, dk[o + f] + ak);
                        dvs[o + f] = r(f32, dvs[o + f] + av);
                    }
                }
            }
        }
        return unsort(c, t, rot, nrm, kh, dq, dk, dvs, f32);
    }

    /** Per position: the rounds' dq plus the normalisation backward of dk^, the inverse turn; dv summed. */
    static Grads unsort(LshConfig c, LshTables t, double[] rot, double[] nrm, double[] kh, double[] dq, double[] dk,
            double[] dvs, boolean f32) {
        int dh = c.dimHead(), len = c.len(), hl = c.items(), h = c.hashes();
        double[] dqk = new double[c.rows() * len * dh], dv = new double[dqk.length], dots = new double[h];
        double[] acc = new double[dh];
        for (int n = 0; n < c.rows(); n++)
            for (int p = 0; p < len; p++) {
                int a = (n * len + p) * dh;
                double nr = nrm[n * len + p];
                double raw = 0;
                for (int f = 0; f < dh; f++) raw = fma(f32, rot[a + f], rot[a + f], raw);
                boolean clamped = !(r(f32, Math.sqrt(raw)) > r(f32, 1e-12));
                for (int k = 0; k < h; k++) {
                    int s = (n * hl + t.undo()[n * hl + k * len + p]) * dh;
                    double d = 0;
                    for (int f = 0; f < dh; f++) d = fma(f32, kh[a + f], dk[s + f], d);
                    dots[k] = d;
                }
                for (int f = 0; f < dh; f++) {
                    double gq = 0, gv = 0;
                    for (int k = 0; k < h; k++) {
                        int s = (n * hl + t.undo()[n * hl + k * len + p]) * dh;
                        double dn = clamped ? r(f32, dk[s + f] / nr) : r(f32, r(f32, dk[s + f] - r(f32, kh[a + f] * dots[k])) / nr);
                        gq = r(f32, gq + r(f32, dq[s + f] + dn));
                        gv = r(f32, gv + dvs[s + f]);
                    }
                    acc[f] = gq;
                    dv[a + f] = gv;
                }
                boolean turn = t.sin() != null && p < c.queryLen();
                int half = dh / 2;
                for (int f = 0; f < dh; f++) {
                    double gq = acc[f];
                    if (turn) {
                        double s = t.sin()[p * half + f / 2], co = t.cos()[p * half + f / 2], other = acc[f ^ 1];
                        gq = f % 2 == 1 ? r(f32, r(f32, gq * co) - r(f32, other * s)) : r(f32, r(f32, gq * co) + r(f32, other * s));
                    }
                    dqk[a + f] = gq;
                }
            }
        return new Grads(dqk, dv);
    }

    /** float32 in and out: the twin of the kernel pair (backward, unsort). */
    public static float[][] backward(LshConfig c, LshTables t, float[] qk, float[] v, LshAttentionForwardCpu.Result fwd,
            float[] g) {
        Grads gr = backward(c, t, LshAttentionForwardCpu.widen(qk), LshAttentionForwardCpu.widen(v), fwd,
                LshAttentionForwardCpu.widen(g), true);
        return new float[][] {LshAttentionForwardCpu.narrow(gr.dqk()), LshAttentionForwardCpu.narrow(gr.dv())};
    }
}
