package org.reformer4j.kernels.reformer;

import java.util.Arrays;

/**
 * An independent float64 LSH attention written straight from the golden README's steps 5.b-h
 * (LSHAttention.forward, R:280-424), as plainly as possible and sharing no code with the twins: the sort by
 * the key {@code T*bucket + (j mod L)} with a comparison sort, the rotary turn, gathered chunks, an explicit
 * look-one-back concatenation, the [C, bs, 2bs] score tensor with the masks written in order, softmax,
 * unsort and the round mix. Test oracle only.
 */
final class LshReference {
    private LshReference() {}

    /** out [N, T, dh] of qk, v [N, L, dh]; mask [N, L] or null; sin/cos [T, dh/2] or null. */
    static double[] attention(LshConfig cfg, int[] buckets, boolean[] mask, float[] sin, float[] cos, double[] qk, double[] v) {
        return attention(cfg, buckets, mask, sin, cos, qk, v, null);
    }

    /** With attention dropout: {@code drop} [N, H*L, 2bs] multiplies the window's probabilities before p @ v. */
    static double[] attention(LshConfig cfg, int[] buckets, boolean[] mask, float[] sin, float[] cos, double[] qk, double[] v,
                              float[] drop) {
        int nRows = cfg.rows(), len = cfg.len(), tq = cfg.queryLen(), dh = cfg.dimHead(), h = cfg.hashes(), bs = cfg.bucketSize();
        int hl = h * len, chunks = hl / bs;
        double scale = Math.pow(dh, -0.5), maskValue = -Double.MAX_VALUE;
        double[] result = new double[nRows * tq * dh];
        for (int n = 0; n < nRows; n++) {
            // b. sort by key T*bucket + (j mod L); undo = argsort(sticker)
            long[] keyed = new long[hl];
            for (int j = 0; j < hl; j++) keyed[j] = ((long) len * buckets[n * hl + j] + j % len) * hl + j;
            Arrays.sort(keyed);
            int[] sticker = new int[hl], undo = new int[hl];
            for (int s = 0; s < hl; s++) {
                sticker[s] = (int) (keyed[s] % hl);
                undo[sticker[s]] = s;
            }
            // c. rotary turn of the first T rows
            double[][] x = new double[len][dh], vv = new double[len][dh];
            for (int p = 0; p < len; p++)
                for (int f = 0; f < dh; f++) {
                    x[p][f] = qk[(n * len + p) * dh + f];
                    vv[p][f] = v[(n * len + p) * dh + f];
                }
            if (sin != null)
                for (int p = 0; p < tq; p++)
                    for (int i = 0; i < dh / 2; i++) {
                        double s = sin[p * dh / 2 + i], c = cos[p * dh / 2 + i], a = x[p][2 * i], b = x[p][2 * i + 1];
                        x[p][2 * i] = a * c - b * s;
                        x[p][2 * i + 1] = b * c + a * s;
                    }
            // d. gathered chunks; e. look-one-back
            int[][] qPos = new int[chunks][bs];
            double[][][] bq = new double[chunks][bs][], bk = new double[chunks][bs][], bv = new double[chunks][bs][];
            for (int c = 0; c < chunks; c++)
                for (int i = 0; i < bs; i++) {
                    int p = sticker[c * bs + i] % len;
                    qPos[c][i] = p;
                    bq[c][i] = x[p];
                    double norm = 0;
                    for (double e : x[p]) norm += e * e;
                    norm = Math.max(Math.sqrt(norm), 1e-12);
                    bk[c][i] = new double[dh];
                    for (int f = 0; f < dh; f++) bk[c][i][f] = x[p][f] / norm;
                    bv[c][i] = vv[p];
                }
            double[] lseSorted = new double[hl];
            double[][] boSorted = new double[hl][];
            for (int c = 0; c < chunks; c++) {
                int back = (c - 1 + chunks) % chunks;
                double[][] keys = concat(bk[c], bk[back]), vals = concat(bv[c], bv[back]);
                int[] kPos = new int[2 * bs], kItem = new int[2 * bs];
                for (int j = 0; j < bs; j++) {
                    kPos[j] = qPos[c][j];
                    kPos[bs + j] = qPos[back][j];
                    kItem[j] = sticker[c * bs + j];
                    kItem[bs + j] = sticker[back * bs + j];
                }
                for (int i = 0; i < bs; i++) {
                    int pq = qPos[c][i], qItem = sticker[c * bs + i];
                    double[] dots = new double[2 * bs];
                    for (int j = 0; j < 2 * bs; j++) {
                        double d = 0;
                        for (int f = 0; f < dh; f++) d += bq[c][i][f] * keys[j][f];
                        dots[j] = d * scale;
                        int pk = kPos[j];
                        if (mask != null && !(mask[n * len + pq] && mask[n * len + pk])) dots[j] = maskValue;       // 1.
                        if (cfg.causal() && pq < pk && (len == tq || pk < tq)) dots[j] = maskValue;                 // 2.
                        if (pq == pk) dots[j] = -5e4;                                                               // 3.
                        if (!cfg.attendAcrossBuckets() && buckets[n * hl + qItem] != buckets[n * hl + kItem[j]])
                            dots[j] = maskValue;                                                                    // 4.
                        if (!cfg.allowDuplicateAttention()) {                                                       // 5.
                            int count = 0;
                            for (int r = 0; r < h; r++) {
                                int la = locs(undo, buckets, n, hl, r * len + pq, bs, chunks, false, cfg.attendAcrossBuckets());
                                count += la == locs(undo, buckets, n, hl, r * len + pk, bs, chunks, false, cfg.attendAcrossBuckets()) ? 1 : 0;
                                count += la == locs(undo, buckets, n, hl, r * len + pk, bs, chunks, true, cfg.attendAcrossBuckets()) ? 1 : 0;
                            }
                            dots[j] -= (float) Math.log((float) count + 1e-9f);
                        }
                    }
                    // g. softmax within the window
                    double mx = Arrays.stream(dots).max().orElseThrow(), sum = 0;
                    for (double d : dots) sum += Math.exp(d - mx);
                    double lse = mx + Math.log(sum);
                    double[] o = new double[dh];
                    for (int j = 0; j < 2 * bs; j++)
                        for (int f = 0; f < dh; f++) {
                            double keep = drop == null ? 1 : drop[((n * hl) + c * bs + i) * 2 * bs + j];
                            o[f] += Math.exp(dots[j] - lse) * keep * vals[j][f];
                        }
                    lseSorted[c * bs + i] = lse;
                    boSorted[c * bs + i] = o;
                }
            }
            // h. unsort and combine the rounds
            for (int p = 0; p < tq; p++) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k < h; k++) mx = Math.max(mx, lseSorted[undo[k * len + p]]);
                for (int k = 0; k < h; k++) sum += Math.exp(lseSorted[undo[k * len + p]] - mx);
                double all = mx + Math.log(sum);
                for (int k = 0; k < h; k++) {
                    double w = Math.exp(lseSorted[undo[k * len + p]] - all);
                    for (int f = 0; f < dh; f++) result[(n * tq + p) * dh + f] += w * boSorted[undo[k * len + p]][f];
                }
            }
        }
        return result;
    }

    /** locs1 (the item's chunk) or locs2 (the chunk after it), bucket-qualified when buckets are not crossed. */
    private static int locs(int[] undo, int[] buckets, int n, int hl, int item, int bs, int chunks, boolean next, boolean across) {
        int l = undo[item] / bs;
        if (next) l = (l + 1) % chunks;
        return across ? l : l + buckets[n * hl + item] * chunks;
    }

    private static double[][] concat(double[][] a, double[][] b) {
        double[][] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
