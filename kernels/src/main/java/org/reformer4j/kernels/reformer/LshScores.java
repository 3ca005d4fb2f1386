package org.reformer4j.kernels.reformer;

/**
 * The pieces of lsh_common.cuh on the host, shared by the attention twins: the rotary turn, the unit keys,
 * and the masked score of a (query, key) pair in reformer-pytorch's order (R:327-401; golden README 5.f).
 * Each computes in float64, rounding to float32 after every step the kernel does in float32 when {@code f32}
 * (so the float32 twin follows the kernel and the float64 twin is the exact function for gradient checks).
 */
final class LshScores {
    /** torch's TOKEN_SELF_ATTN_VALUE. */
    static final double SELF_VALUE = -5e4;

    private LshScores() {}

    static double r(boolean f32, double x) {
        return f32 ? (float) x : x;
    }

    /** a*b + c: one float32 fused multiply-add when {@code f32} (the kernel's fmaf), else float64. */
    static double fma(boolean f32, double a, double b, double c) {
        return f32 ? Math.fma((float) a, (float) b, (float) c) : a * b + c;
    }

    /** Masked value of float32 or float64 ({@code -finfo.max}). */
    static double masked(boolean f32) {
        return f32 ? -Float.MAX_VALUE : -Double.MAX_VALUE;
    }

    /**
     * qk rows after the rotary turn of rows p < T (R:650-664): pair (2i, 2i+1) of row p becomes
     * {@code (a cos - b sin, b cos + a sin)} with each product rounded. [N, L, dh] in, [N, L, dh] out.
     */
    static double[] rotate(LshConfig c, LshTables t, double[] qk, boolean f32) {
        double[] y = qk.clone();
        if (t.sin() == null) return y;
        int dh = c.dimHead(), half = dh / 2;
        for (int n = 0; n < c.rows(); n++)
            for (int p = 0; p < c.queryLen(); p++) {
                int o = (n * c.len() + p) * dh;
                for (int i = 0; i < half; i++) {
                    double s = t.sin()[p * half + i], co = t.cos()[p * half + i], a = qk[o + 2 * i], b = qk[o + 2 * i + 1];
                    y[o + 2 * i] = r(f32, r(f32, a * co) - r(f32, b * s));
                    y[o + 2 * i + 1] = r(f32, r(f32, b * co) + r(f32, a * s));
                }
            }
        return y;
    }

    /** Norms max(||x_p||, 1e-12) of the rotated rows [N*L] (sequential sums, as lsh_norm). */
    static double[] norms(LshConfig c, double[] rot, boolean f32) {
        int dh = c.dimHead();
        double[] nrm = new double[c.rows() * c.len()];
        for (int q = 0; q < nrm.length; q++) {
            double ss = 0;
            for (int f = 0; f < dh; f++) ss = fma(f32, rot[q * dh + f], rot[q * dh + f], ss);
            nrm[q] = Math.max(r(f32, Math.sqrt(ss)), r(f32, 1e-12));
        }
        return nrm;
    }

    /** Unit keys rot / norm [N, L, dh] (F.normalize, R:313). */
    static double[] unitKeys(LshConfig c, double[] rot, double[] nrm, boolean f32) {
        int dh = c.dimHead();
        double[] kh = new double[rot.length];
        for (int e = 0; e < rot.length; e++) kh[e] = r(f32, rot[e] / nrm[e / dh]);
        return kh;
    }

    /**
     * The value a mask writes over the score of query position pq (bucket bq) and key position pk (bucket
     * bk), or NaN when the score stays free: input mask, causal (memory keys p >= T visible), self, other bucket;
     * later masks win.
     */
    static double maskValue(LshConfig c, LshTables t, int n, int pq, int pk, int bq, int bk, boolean f32) {
        double v = Double.NaN;
        boolean[] m = t.mask();
        if (m != null && !(m[n * c.len() + pq] && m[n * c.len() + pk])) v = masked(f32);
        if (c.causal() && pq < pk && (c.len() == c.queryLen() || pk < c.queryLen())) v = masked(f32);
        if (pq == pk) v = SELF_VALUE;
        if (!c.attendAcrossBuckets() && bq != bk) v = masked(f32);
        return v;
    }

    /** {@code log(count + 1e-9)} in float32 of the rounds sharing a chunk (R:375-400), as lsh_duplicates. */
    static double duplicateLog(LshConfig c, LshTables t, int n, int pa, int pb) {
        int h = c.hashes(), bs = c.bucketSize(), len = c.len(), chunks = c.chunks(), base = n * c.items(), count = 0;
        for (int k = 0; k < h; k++) {
            int ia = base + k * len + pa, ib = base + k * len + pb;
            int la = t.undo()[ia] / bs, lb1 = t.undo()[ib] / bs, lb2 = (lb1 + 1) % chunks;
            if (!c.attendAcrossBuckets()) {
                la += t.buckets()[ia] * chunks;
                lb1 += t.buckets()[ib] * chunks;
                lb2 += t.buckets()[ib] * chunks;
            }
            count += (la == lb1 ? 1 : 0) + (la == lb2 ? 1 : 0);
        }
        return (float) Math.log((float) count + 1e-9f);
    }

    /** The score of (query item, key item) from x = dot * scale: masks, then the duplicate correction. */
    static double score(LshConfig c, LshTables t, int n, int pq, int pk, int bq, int bk, double x, boolean f32) {
        double m = maskValue(c, t, n, pq, pk, bq, bk, f32);
        double s = Double.isNaN(m) ? x : m;
        return c.allowDuplicateAttention() ? s : r(f32, s - duplicateLog(c, t, n, pq, pk));
    }

    /** Sorted place of key j (0 <= j < 2bs) of chunk ch: the chunk itself, then the one before (mod C). */
    static int keyPlace(LshConfig c, int ch, int j) {
        int bs = c.bucketSize(), prev = (ch + c.chunks() - 1) % c.chunks();
        return j < bs ? ch * bs + j : prev * bs + j - bs;
    }
}
