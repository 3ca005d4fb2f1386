package org.reformer4j.model.attention;

import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;

/**
 * LSH attention of one layer over shared query/keys (reformer-pytorch {@code LSHAttention}, R:191-439):
 * hash with the given rotations (or reuse given buckets), sort, and run {@link LshAttentionCore}.
 * Masks mean true = keep. Shapes: qk, v [N, L, dh] with L = tokens + memory slots, out [N, T, dh].
 */
public final class LshAttention {
    private final int bucketSize, nHashes;
    private final boolean causal, attendAcrossBuckets, allowDuplicateAttention;

    public LshAttention(int bucketSize, int nHashes, boolean causal, boolean attendAcrossBuckets, boolean allowDuplicateAttention) {
        if (bucketSize < 1 || nHashes < 1) {
            throw new IllegalArgumentException("LSHAttention: bucketSize " + bucketSize + " and nHashes " + nHashes + " must be >= 1");
        }
        this.bucketSize = bucketSize;
        this.nHashes = nHashes;
        this.causal = causal;
        this.attendAcrossBuckets = attendAcrossBuckets;
        this.allowDuplicateAttention = allowDuplicateAttention;
    }

    /** The output and the buckets [N][H*L] that produced it. */
    public record Result(Tensor out, int[][] buckets) {}

    /** Number of buckets for a sequence of {@code len}; refuses lengths the chunking cannot take. */
    public int buckets(int len) {
        if (len % (2 * bucketSize) != 0) {
            throw new IllegalArgumentException("LSHAttention: sequence length " + len + " must be a multiple of 2 x bucket size = "
                    + 2 * bucketSize + " (pad it, e.g. with the Autopadder)");
        }
        return len / bucketSize;
    }

    /** Shape of the rotations to draw for {@code rows} rows of length {@code len}. */
    public int[] rotationsShape(int rows, int len, int headDim, boolean perRow) {
        return new int[] {perRow ? rows : 1, headDim, nHashes, buckets(len) / 2};
    }

    /**
     * @param hashes        nHashes to use for this call (may differ from the construction value at inference)
     * @param rotations     [1 or N, dh, H, L/bs/2] or null when {@code buckets} is given
     * @param buckets       buckets to reuse (the reversible recomputation), or null to hash
     * @param mask          [N][L] keep-mask or null
     * @param rotary        rotary table for the first T rows, or null
     * @param dropout       the per-score dropout multipliers [N*C*bs*2bs] (given or drawn as needed), or null
     */
    public Result forward(Tensor qk, Tensor v, int queryLen, int hashes, Tensor rotations, int[][] buckets,
                          boolean[][] mask, RotaryTable rotary, LshDropout dropout) {
        return forward(qk, v, queryLen, hashes, rotations, buckets, mask, rotary, dropout, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, int, int, Tensor, int[][], boolean[][], RotaryTable, LshDropout)} for a pass whose
     * backward follows at once when {@code recomputation} (a reversible layer rebuilt in backward: one layer's arrays
     * alive at a time), which may keep more for backward (see {@link LshAttentionCore#keepRoundOutputsBytes}).
     */
    public Result forward(Tensor qk, Tensor v, int queryLen, int hashes, Tensor rotations, int[][] buckets,
                          boolean[][] mask, RotaryTable rotary, LshDropout dropout, boolean recomputation) {
        if (qk.rank() != 3 || !java.util.Arrays.equals(qk.shape(), v.shape())) {
            throw new IllegalArgumentException("LSHAttention: qk " + Shape.str(qk.shape()) + " and v " + Shape.str(v.shape())
                    + " must both be [N, L, dh]");
        }
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2);
        int nb = buckets(len);
        if (nb % 2 != 0) {
            throw new IllegalArgumentException("LSHAttention: the number of buckets " + nb + " (length " + len + " / bucket size "
                    + bucketSize + ") must be even");
        }
        if (dh % 2 != 0 && rotary != null) throw new IllegalArgumentException("LSHAttention: rotary embedding needs an even head dim, got " + dh);
        if (queryLen > len) throw new IllegalArgumentException("LSHAttention: query length " + queryLen + " > sequence length " + len);
        if (buckets == null) buckets = LshBuckets.hash(qk, rotations, hashes, nb);
        if (buckets.length != n || buckets[0].length != hashes * len) {
            throw new IllegalArgumentException("LSHAttention: buckets [" + buckets.length + ", " + buckets[0].length + "] do not fit "
                    + n + " rows x " + hashes + " hashes x length " + len);
        }
        long scores = (long) n * hashes * len * 2 * bucketSize;
        if (dropout != null && dropout.given() >= 0 && dropout.given() != scores) {
            throw new IllegalArgumentException("LSHAttention: " + dropout.given() + " dropout multipliers for " + n + " rows x " + hashes
                    + " hashes x length " + len + " x " + 2 * bucketSize + " keys = " + scores + " scores");
        }
        LshBuckets.Sorted sorted = LshBuckets.sort(buckets, hashes * nb);
        var plan = new LshAttentionCore.Plan(queryLen, hashes, bucketSize, buckets, sorted, mask,
                rotary == null ? null : rotary.sin(), rotary == null ? null : rotary.cos(), causal, attendAcrossBuckets,
                allowDuplicateAttention, dropout);
        return new Result(new LshAttentionCore(plan, recomputation).apply(qk, v), buckets);
    }

    /**
     * The attention weights [N][T * L] of the call {@code forward} made with these buckets (reformer-pytorch's
     * {@code _return_attn}): per query the round-weighted sum of its chunk windows' softmax probabilities, no
     * dropout. A separate pass, for recording; the training path never runs it.
     */
    public double[][] weights(Tensor qk, Tensor v, int queryLen, int hashes, int[][] buckets, boolean[][] mask, RotaryTable rotary) {
        int nb = buckets(qk.size(1));
        LshBuckets.Sorted sorted = LshBuckets.sort(buckets, hashes * nb);
        var plan = new LshAttentionCore.Plan(queryLen, hashes, bucketSize, buckets, sorted, mask,
                rotary == null ? null : rotary.sin(), rotary == null ? null : rotary.cos(), causal, attendAcrossBuckets,
                allowDuplicateAttention, null);
        return LshAttentionCore.weights(plan, qk, v);
    }

    public int bucketSize() {
        return bucketSize;
    }

    public int nHashes() {
        return nHashes;
    }

    public boolean causal() {
        return causal;
    }

    public boolean attendAcrossBuckets() {
        return attendAcrossBuckets;
    }

    public boolean allowDuplicateAttention() {
        return allowDuplicateAttention;
    }
}
