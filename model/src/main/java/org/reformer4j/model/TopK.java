package org.reformer4j.model;

/**
 * The two pieces of top-k filtering ({@link Sampling#draw}, reformer-pytorch {@code top_k}) that replace a full
 * sort of the vocabulary: the value of a given rank by selection (expected linear time) and a stable sort of the
 * k kept indices by value, largest first (as {@link Double#compare} orders them). The selected value equals
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
