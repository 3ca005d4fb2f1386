package org.reformer4j.kernels.reformer;

/**
 * CPU twin of lsh_sort.cu (reformer-pytorch R:280-288; golden README 5.b): per row, a stable counting sort
 * of the items j = k*L + p by bucket (round offsets included, so the key T*bucket + (j mod L) orders the
 * same way): {@code sticker[s]} = the item at sorted place s, {@code undo[j]} = the place of item j.
 * Shapes: buckets, sticker, undo [N, H*L].
 */
public final class LshSortCpu {
    private LshSortCpu() {}

    /** The sorted order and its inverse, each [N * H*L]. */
    public record Sorted(int[] sticker, int[] undo) {}

    public static Sorted sort(int[] buckets, int rows, int len, int hashes, int nBuckets) {
        LshHash.check("lsh_sort", rows, len, 1, hashes, nBuckets);
        int hl = hashes * len, total = hashes * nBuckets;
        if (buckets.length < (long) rows * hl)
            throw new IllegalArgumentException("lsh_sort: buckets hold " + buckets.length + " ints, needs " + (long) rows * hl);
        int[] sticker = new int[rows * hl], undo = new int[rows * hl];
        int[] count = new int[total + 1];
        for (int n = 0; n < rows; n++) {
            java.util.Arrays.fill(count, 0);
            int base = n * hl;
            for (int j = 0; j < hl; j++) {
                int b = buckets[base + j], k = j / len;
                if (b < k * nBuckets || b >= (k + 1) * nBuckets)
                    throw new IllegalArgumentException("lsh_sort: row " + n + ", item " + j + " (round " + k + "): bucket " + b
                            + " outside the round's [" + k * nBuckets + ", " + (k + 1) * nBuckets + ")");
                count[b + 1]++;
            }
            for (int b = 0; b < total; b++) count[b + 1] += count[b];
            for (int j = 0; j < hl; j++) {
                int at = count[buckets[base + j]]++;
                sticker[base + at] = j;
                undo[base + j] = at;
            }
        }
        return new Sorted(sticker, undo);
    }
}
