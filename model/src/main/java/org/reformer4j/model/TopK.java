package org.reformer4j.model;

/**
 * The pieces of top-k filtering ({@link Sampling#draw}, reformer-pytorch {@code top_k}) that replace a full
 * sort of the vocabulary: the value of a given rank by selection (expected linear time; for float32 logits by a
 * histogram, {@link #largest}) and a stable sort of the k kept indices by value, largest first (as {@link Double#compare} orders them). The selected value equals
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

    /** Bits of a float's order key that make the histogram bin of {@link #largest} (sign, exponent, 3 mantissa bits). */
    private static final int BIN_BITS = 12, BINS = 1 << BIN_BITS;

    /** The float's order as an unsigned int: sign flipped for positives, all bits flipped for negatives. */
    private static int unsignedOrder(float x) {
        int bits = Float.floatToRawIntBits(x);
        return bits ^ ((bits >> 31) | 0x80000000);
    }

    /**
     * The indices of the k largest of x (1 <= k <= n), largest first, equal values by index (as the stable sort
     * of {@link Sampling#draw(double[], double)} leaves them), or null when x may hold a NaN or an infinity.
     * A histogram of the top 12 bits of each value's order key (sign, exponent, 3 mantissa bits: every value of
     * a higher bin is larger), the bin b holding the k-th largest found from the top; one more pass keeps every
     * index above b and collects b's (a few percent of x); only those and then the k kept are sorted, as
     * packed keys.
     */
    static int[] largest(float[] x, int k) {
        int n = x.length;
        if (k < 1 || k > n) throw new IllegalArgumentException("TopK.largest: k = " + k + " outside [1, " + n + "]");
        int[] count = new int[BINS];
        for (float f : x) count[unsignedOrder(f) >>> (32 - BIN_BITS)]++;
        // the bins of -inf and +inf and beyond (NaNs) hold only the largest-magnitude values: leave those to the caller
        int edge = BINS - (unsignedOrder(Float.POSITIVE_INFINITY) >>> (32 - BIN_BITS));
        for (int i = 0; i <= edge; i++) if (count[i] != 0 || count[BINS - 1 - i] != 0) return null;
        int b = BINS - 1, above = 0;
        while (above + count[b] < k) above += count[b--];
        long[] keys = new long[k];
        int[] cand = new int[count[b]];
        int na = 0, nc = 0;
        for (int j = 0; j < n; j++) {
            int bj = unsignedOrder(x[j]) >>> (32 - BIN_BITS);
            if (bj >= b) {
                if (bj > b) keys[na++] = descendingKey(x[j], j);
                else cand[nc++] = j;
            }
        }
        long[] ck = new long[nc];
        for (int i = 0; i < nc; i++) ck[i] = descendingKey(x[cand[i]], cand[i]);
        java.util.Arrays.sort(ck);
        System.arraycopy(ck, 0, keys, na, k - na);
        java.util.Arrays.sort(keys);
        int[] order = new int[k];
        for (int i = 0; i < k; i++) order[i] = (int) keys[i];
        return order;
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
