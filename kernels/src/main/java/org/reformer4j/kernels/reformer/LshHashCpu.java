package org.reformer4j.kernels.reformer;

/**
 * CPU twin of lsh_hash.cu (reformer-pytorch {@code hash_vectors}, R:219-263; golden README 5.a): per row n,
 * round k and position p, {@code r[i] = sum_f qk[n,p,f] R[f,k,i]} as float32 fused multiply-adds in f order
 * (the kernel's order, so the buckets are bit-exact), then {@code argmax_j cat(r, -r)[j]} (first index on
 * ties) plus the round offset {@code k * nb}. Shapes: qk [N, L, dh], rotations [1 or N, dh, H, nb/2],
 * buckets [N, H*L].
 */
public final class LshHashCpu {
    private LshHashCpu() {}

    public static int[] hash(float[] qk, float[] rotations, boolean rotationsPerRow, int rows, int len, int dimHead,
            int hashes, int nBuckets) {
        LshHash.check("lsh_hash", rows, len, dimHead, hashes, nBuckets);
        int half = nBuckets / 2;
        long need = (rotationsPerRow ? (long) rows : 1L) * dimHead * hashes * half;
        if (qk.length < (long) rows * len * dimHead || rotations.length < need)
            throw new IllegalArgumentException("lsh_hash: qk holds " + qk.length + " floats, rotations " + rotations.length
                    + "; needs " + (long) rows * len * dimHead + " and " + need);
        int[] buckets = new int[rows * hashes * len];
        for (int n = 0; n < rows; n++) {
            int rbase = rotationsPerRow ? n * dimHead * hashes * half : 0;
            for (int k = 0; k < hashes; k++)
                for (int p = 0; p < len; p++) {
                    int x = (n * len + p) * dimHead;
                    float hi = Float.NEGATIVE_INFINITY, lo = Float.POSITIVE_INFINITY;
                    int ihi = 0, ilo = 0;
                    for (int i = 0; i < half; i++) {
                        float acc = 0f;
                        for (int f = 0; f < dimHead; f++)
                            acc = Math.fma(qk[x + f], rotations[rbase + (f * hashes + k) * half + i], acc);
                        if (acc > hi) {
                            hi = acc;
                            ihi = i;
                        }
                        if (acc < lo) {
                            lo = acc;
                            ilo = i;
                        }
                    }
                    int b = hi >= -lo ? ihi : half + ilo;
                    buckets[n * hashes * len + k * len + p] = b + k * nBuckets;
                }
        }
        return buckets;
    }
}
