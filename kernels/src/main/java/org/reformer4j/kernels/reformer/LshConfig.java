package org.reformer4j.kernels.reformer;

/**
 * The sizes and switches of one LSH attention call (reformer-pytorch {@code LSHAttention}, R:191-439; golden
 * README 5.), shared by the launchers and their CPU twins, with the checks the chunking needs:
 * {@code len % (2 bs) == 0} (R:272), an even number of buckets {@code nb = len / bs} (R:227), T <= L.
 * Shapes: N rows (batch x heads), L = len keys (tokens + memory slots), T = queryLen queries, dh head dim,
 * H hash rounds, bs bucket size; C = H*L/bs chunks of bs sorted items.
 */
public record LshConfig(int rows, int len, int queryLen, int dimHead, int hashes, int bucketSize, boolean causal,
        boolean attendAcrossBuckets, boolean allowDuplicateAttention) {
    public LshConfig {
        if (rows < 0 || len < 1 || queryLen < 1 || dimHead < 1 || hashes < 1 || bucketSize < 1)
            throw new IllegalArgumentException("lsh_attention: sizes must be positive (rows >= 0): rows " + rows + ", len "
                    + len + ", queryLen " + queryLen + ", dimHead " + dimHead + ", hashes " + hashes + ", bucketSize "
                    + bucketSize);
        if (len % (2 * bucketSize) != 0)
            throw new IllegalArgumentException("lsh_attention: sequence length " + len + " must be a multiple of 2 x bucket size = "
                    + 2 * bucketSize + " (pad it)");
        if (queryLen > len)
            throw new IllegalArgumentException("lsh_attention: query length " + queryLen + " > sequence length " + len);
        if ((long) rows * hashes * len * Math.max(dimHead, 1) > Integer.MAX_VALUE)
            throw new IllegalArgumentException("lsh_attention: rows " + rows + " x hashes " + hashes + " x len " + len
                    + " x dimHead " + dimHead + " elements exceed 2^31-1");
    }

    /** reformer-pytorch defaults: attend across buckets, allow duplicate attention, no memory (T = L). */
    public static LshConfig of(int rows, int len, int dimHead, int hashes, int bucketSize, boolean causal) {
        return new LshConfig(rows, len, len, dimHead, hashes, bucketSize, causal, true, true);
    }

    /** Buckets per round, {@code L / bs} (even, as R:227 demands: L is a multiple of 2 bs). */
    public int buckets() {
        return len / bucketSize;
    }

    /** Sorted items per row, {@code H * L}. */
    public int items() {
        return hashes * len;
    }

    /** Chunks per row, {@code C = H * L / bs}. */
    public int chunks() {
        return items() / bucketSize;
    }

    /** {@code dh^-0.5} in float32, as torch multiplies a float32 tensor by the Python scalar. */
    public float scale() {
        return (float) Math.pow(dimHead, -0.5);
    }

    /** The same call with other switches (and sizes). */
    public LshConfig withCausal(boolean c) {
        return new LshConfig(rows, len, queryLen, dimHead, hashes, bucketSize, c, attendAcrossBuckets, allowDuplicateAttention);
    }

    /** The fields of lsh_common.cuh's {@code struct LshShape}, in order. */
    long[] struct() {
        return new long[] {rows, len, queryLen, dimHead, hashes, bucketSize, causal ? 1 : 0, attendAcrossBuckets ? 1 : 0,
                allowDuplicateAttention ? 1 : 0};
    }

    @Override
    public String toString() {
        return "[N=" + rows + ", L=" + len + ", T=" + queryLen + ", dh=" + dimHead + ", H=" + hashes + ", bs=" + bucketSize
                + (causal ? ", causal" : "") + (attendAcrossBuckets ? "" : ", within buckets")
                + (allowDuplicateAttention ? "" : ", no duplicates") + "]";
    }
}
