package org.reformer4j.model.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.Sgemm;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * LSH hashing and the bucket sort (reformer-pytorch {@code LSHAttention.hash_vectors} and the sort at the
 * top of {@code LSHAttention.forward}). Buckets are argmax over {@code cat(xR, -xR)} of the un-rotated
 * shared query/key vectors x times random rotations R, offset by {@code round * nBuckets}; the sort orders
 * the H*L items of a row by (round, bucket, position) with a counting sort (buckets are small ints).
 * Shapes: N rows (batch x heads), L sequence length, dh head dim, H hash rounds.
 */
public final class LshBuckets {
    private LshBuckets() {}

    /** The sort of one attention call: per row, the sorted item order and its inverse. */
    public record Sorted(int[][] sticker, int[][] undo) {}

    /**
     * Buckets [N][H*L] (offsets included: {@code buckets[n][k*L + p] = bucket + k*nBuckets}).
     * {@code rotations} is [1 or N, dh, H, nBuckets/2] in qk's dtype.
     */
    public static int[][] hash(Tensor qk, Tensor rotations, int nHashes, int nBuckets) {
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2), half = nBuckets / 2;
        int[] rs = rotations.shape();
        if (rs.length != 4 || (rs[0] != 1 && rs[0] != n) || rs[1] != dh || rs[2] != nHashes || rs[3] != half) {
            throw new IllegalArgumentException("LSH hash: rotations of shape " + Shape.str(rs) + " do not fit qk "
                    + Shape.str(qk.shape()) + " with " + nHashes + " hashes and " + nBuckets + " buckets (expected [1 or "
                    + n + ", " + dh + ", " + nHashes + ", " + half + "])");
        }
        int[][] buckets = new int[n][nHashes * len];
        int w = nHashes * half;
        if (qk.device().isCpu() && rotations.device().isCpu() && qk.dtype() == DType.F32) {
            hashF32(qk, rotations, rs[0] == 1, nHashes, nBuckets, buckets);
            return buckets;
        }
        try (var ng = GradMode.noGrad()) {
            Tensor rot = rotations.to(qk.dtype()).reshape(rs[0], dh, w);
            Tensor x = qk.detach();
            // one row (batch x head) at a time: the rotated vectors [L, H*half] of all rows at once would be
            // the largest array of the whole layer at long lengths
            for (int row = 0; row < n; row++) {
                Tensor rr = x.select(0, row).matmul(rot.select(0, rs[0] == 1 ? 0 : row)).contiguous(); // [L, H*half]
                Object data = rr.storage().data();
                int off = rr.offset();
                for (int p = 0; p < len; p++) {
                    int base = off + p * w;
                    for (int k = 0; k < nHashes; k++) {
                        int o = base + k * half;
                        buckets[row][k * len + p] = argmax(data, o, half) + k * nBuckets;
                    }
                }
            }
        }
        return buckets;
    }

    /** Positions per product of {@link #hashF32}: the rotated block [positions, H*half] stays within 1 MiB. */
    private static final int BLOCK_FLOATS = 1 << 18;

    /**
     * {@link #hash} in float32 on the CPU: the rotated vectors of a block of positions at a time (core's sgemm into one
     * scratch block) instead of a [L, H*half] tensor per row (33 MiB per row at 16384 positions with 256 buckets).
     * Same sums as the tensor product (each element sums over dh in the same order whatever the number of rows).
     */
    private static void hashF32(Tensor qk, Tensor rotations, boolean shared, int nHashes, int nBuckets, int[][] buckets) {
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2), half = nBuckets / 2, w = nHashes * half;
        Tensor x = qk.contiguous(), rot = rotations.to(DType.F32).contiguous();
        float[] q = (float[]) x.storage().data(), r = (float[]) rot.storage().data();
        int block = Math.max(1, Math.min(len, BLOCK_FLOATS / w)), blocks = (len + block - 1) / block;
        // the (row, block) products in parallel, each on one thread with the argmaxes after it (a block's product
        // split over the threads left the argmaxes to the caller alone); parts of at least 4096 positions, so that a
        // decoding step's few rows of one position stay on the caller
        Parallel.forRange(n * blocks, Math.ceilDiv(4096, block), (from, to) -> {
            float[] out = new float[block * w];
            for (int rb = from; rb < to; rb++) {
                int row = rb / blocks, p0 = rb % blocks * block, m = Math.min(block, len - p0);
                int rOff = rot.offset() + (shared ? 0 : row * dh * w);
                Sgemm.sgemm(m, w, dh, 1f, q, x.offset() + (row * len + p0) * dh, dh, 1, r, rOff, w, 1, 0f, out, 0, w);
                for (int p = 0; p < m; p++) {
                    for (int k = 0; k < nHashes; k++) {
                        buckets[row][k * len + p0 + p] = argmaxF32(out, p * w + k * half, half) + k * nBuckets;
                    }
                }
            }
        });
    }

    /**
     * {@link #argmax} of a float row by vectors: the row's max and min, then the first index that holds the winner
     * (the max when it is at least -min, as cat(x, -x) puts x first). A NaN that reaches the max or the min (the
     * first vector's, or the tail's) sends the row to the scalar loop; anywhere else it is skipped, as that loop skips it.
     */
    static int argmaxF32(float[] f, int o, int half) {
        return VectorSupport.ENABLED ? Vec.argmax(f, o, half) : argmax(f, o, half);
    }

    /** The vector loop, in its own class so that nothing of the Vector API loads without the module. */
    private static final class Vec {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

        static int argmax(float[] f, int o, int half) {
            if (half < 2 * S.length()) return LshBuckets.argmax(f, o, half);
            int j, up = S.loopBound(half);
            FloatVector hi = FloatVector.fromArray(S, f, o), lo = hi;
            for (j = S.length(); j < up; j += S.length()) {
                FloatVector y = FloatVector.fromArray(S, f, o + j);
                hi = hi.blend(y, hi.compare(VectorOperators.LT, y));
                lo = lo.blend(y, lo.compare(VectorOperators.GT, y));
            }
            float max = hi.reduceLanes(VectorOperators.MAX), min = lo.reduceLanes(VectorOperators.MIN);
            for (; j < half; j++) {
                max = Math.max(max, f[o + j]);
                min = Math.min(min, f[o + j]);
            }
            if (Float.isNaN(max) || Float.isNaN(min)) return LshBuckets.argmax(f, o, half);
            boolean first = max >= -min;
            float target = first ? max : min;
            for (j = 0; j < half; j++) if (f[o + j] == target) return first ? j : half + j;
            return LshBuckets.argmax(f, o, half); // not reached: the target is one of the row's values
        }
    }

    /** The first index of the largest of cat(x, -x) for x = a[o .. o+half) (a float[] or double[]). */
    static int argmax(Object a, int o, int half) {
        int best = 0;
        if (a instanceof float[] f) {
            float bv = f[o];
            for (int j = 1; j < 2 * half; j++) {
                float v = j < half ? f[o + j] : -f[o + j - half];
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
        } else {
            double[] d = (double[]) a;
            double bv = d[o];
            for (int j = 1; j < 2 * half; j++) {
                double v = j < half ? d[o + j] : -d[o + j - half];
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
        }
        return best;
    }

    /**
     * Stable counting sort of item j = k*L + p by {@code buckets[j]} (in [0, totalBuckets)): the items in
     * (round, bucket, position) order, and the inverse permutation.
     */
    public static Sorted sort(int[][] buckets, int totalBuckets) {
        int n = buckets.length;
        int[][] sticker = new int[n][], undo = new int[n][];
        for (int row = 0; row < n; row++) {
            int[] b = buckets[row];
            int[] count = new int[totalBuckets + 1];
            for (int v : b) {
                if (v < 0 || v >= totalBuckets) {
                    throw new IllegalArgumentException("LSH sort: bucket " + v + " outside [0, " + totalBuckets + ")");
                }
                count[v + 1]++;
            }
            for (int i = 0; i < totalBuckets; i++) count[i + 1] += count[i];
            int[] s = new int[b.length], u = new int[b.length];
            for (int j = 0; j < b.length; j++) {
                int at = count[b[j]]++;
                s[at] = j;
                u[j] = at;
            }
            sticker[row] = s;
            undo[row] = u;
        }
        return new Sorted(sticker, undo);
    }
}
