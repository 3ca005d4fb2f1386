package org.reformer4j.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * The pieces of top-k filtering ({@link Sampling#draw}, reformer-pytorch {@code top_k}) that replace a full
 * sort of the vocabulary: the value of a given rank by selection (expected linear time; for float32 logits by a
 * sampled threshold, {@link #largest}) and a stable sort of the k kept indices by value, largest first (as {@link Double#compare} orders them). The selected value equals
 * (==) the one a full {@code Arrays.sort} gives, which is all the filter compares with (it may be 0.0 where the
 * sort has -0.0).
 */
final class TopK {
    private TopK() {}

    /** The value that {@code Arrays.sort(a)} would put at index {@code rank}; reorders {@code a}. */
    static double select(double[] a, int rank) {
        if (rank < 0 || rank >= a.length) throw new IllegalArgumentException("TopK.select: rank " + rank + " outside [0, " + a.length + ")");
        for (double d : a) {
            if (d != d) { // NaN: the comparisons below cannot place it; the sort puts it last
                java.util.Arrays.sort(a);
                return a[rank];
            }
        }
        // Hoare's FIND (Wirth's form): partition around a median of three until the rank's slot is enclosed
        int lo = 0, hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double p = median(a[lo], a[mid], a[hi]);
            int i = lo, j = hi;
            do {
                while (a[i] < p) i++;
                while (p < a[j]) j--;
                if (i <= j) {
                    double t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            } while (i <= j);
            if (j < rank) lo = i;
            if (rank < i) hi = j;
        }
        return a[rank];
    }

    private static double median(double x, double y, double z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }

    /**
     * The indices of the k largest of x (1 <= k <= n), largest first, equal values by index (as the stable sort
     * of {@link Sampling#draw(double[], double)} leaves them), or null when x holds a NaN or an infinity.
     * A threshold t with at least k values >= t is selected from a sample (every 8th value); every index whose
     * value is >= t is collected (a few percent more than k) and only those are sorted, as packed keys. Exact for
     * any such t: a value below t has k values above it. The passes over x run by vectors.
     */
    static int[] largest(float[] x, int k) {
        int n = x.length;
        if (k < 1 || k > n) throw new IllegalArgumentException("TopK.largest: k = " + k + " outside [1, " + n + "]");
        boolean vec = VectorSupport.ENABLED;
        if (!(vec ? Vec.finite(x) : finite(x))) return null;
        float t = Float.NEGATIVE_INFINITY;
        int count = n; // of the values >= t
        int stride = 8, m = n / stride;
        if (m >= 64 && k < n / 2) {
            double[] sample = new double[m];
            for (int i = 0; i < m; i++) sample[i] = x[i * stride];
            // the rank in the sample of ~1.1 k in x; doubled until the count reaches k (then every value)
            for (int r = k / stride + k / (10 * stride) + 4; r < m; r = 2 * r) {
                float tr = (float) select(sample, m - 1 - r);
                int c = vec ? Vec.countAtLeast(x, tr) : countAtLeast(x, tr);
                if (c >= k) {
                    t = tr;
                    count = c;
                    break;
                }
            }
        }
        long[] keys = vec ? Vec.keysAtLeast(x, t, count) : keysAtLeast(x, t, count);
        java.util.Arrays.sort(keys);
        int[] order = new int[k];
        for (int i = 0; i < k; i++) order[i] = (int) keys[i];
        return order;
    }

    private static boolean finite(float[] x) {
        for (float f : x) if (!(Math.abs(f) < Float.POSITIVE_INFINITY)) return false;
        return true;
    }

    private static int countAtLeast(float[] x, float t) {
        int c = 0;
        for (float f : x) if (f >= t) c++;
        return c;
    }

    /** {@link #descendingKey}s of every value >= t (count of them), in index order. */
    private static long[] keysAtLeast(float[] x, float t, int count) {
        long[] keys = new long[count];
        int c = 0;
        for (int j = 0; j < x.length; j++) if (x[j] >= t) keys[c++] = descendingKey(x[j], j);
        return keys;
    }

    /** The vector passes of {@link #largest}, in their own class so that nothing of the Vector API loads without the module. */
    private static final class Vec {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length();

        static boolean finite(float[] x) {
            int j = 0, up = S.loopBound(x.length);
            VectorMask<Float> bad = S.maskAll(false);
            for (; j < up; j += L) {
                FloatVector v = FloatVector.fromArray(S, x, j);
                bad = bad.or(v.abs().compare(VectorOperators.LT, Float.POSITIVE_INFINITY).not()); // NaN too
            }
            if (bad.anyTrue()) return false;
            for (; j < x.length; j++) if (!(Math.abs(x[j]) < Float.POSITIVE_INFINITY)) return false;
            return true;
        }

        static int countAtLeast(float[] x, float t) {
            int j = 0, c = 0, up = S.loopBound(x.length);
            for (; j < up; j += L) c += FloatVector.fromArray(S, x, j).compare(VectorOperators.GE, t).trueCount();
            for (; j < x.length; j++) if (x[j] >= t) c++;
            return c;
        }

        static long[] keysAtLeast(float[] x, float t, int count) {
            long[] keys = new long[count];
            int j = 0, c = 0, up = S.loopBound(x.length);
            for (; j < up; j += L) {
                long bits = FloatVector.fromArray(S, x, j).compare(VectorOperators.GE, t).toLong();
                while (bits != 0) {
                    int at = j + Long.numberOfTrailingZeros(bits);
                    keys[c++] = descendingKey(x[at], at);
                    bits &= bits - 1;
                }
            }
            for (; j < x.length; j++) if (x[j] >= t) keys[c++] = descendingKey(x[j], j);
            return keys;
        }
    }

    /**
     * A long whose ascending order is x descending (as {@link Float#compare} orders floats: -0.0 below 0.0), then
     * index ascending: the order of a stable sort by value, largest first, of indices taken in index order.
     * The index is the low 32 bits.
     */
    static long descendingKey(float x, int index) {
        int bits = Float.floatToRawIntBits(x);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order = float order
        return ((long) ~ordered << 32) | index;
    }

    /** Sorts {@code idx} by {@code values[idx]}, largest first; equal values keep their order (a bottom-up merge sort). */
    static void sortDescending(int[] idx, double[] values) {
        int n = idx.length;
        int[] src = idx, dst = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n), hi = Math.min(lo + 2 * width, n), i = lo, j = mid, o = lo;
                while (i < mid && j < hi) dst[o++] = Double.compare(values[src[j]], values[src[i]]) > 0 ? src[j++] : src[i++];
                while (i < mid) dst[o++] = src[i++];
                while (j < hi) dst[o++] = src[j++];
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        if (src != idx) System.arraycopy(src, 0, idx, 0, n);
    }
}
