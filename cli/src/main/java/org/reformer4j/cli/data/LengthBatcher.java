/*
 * Batches grouped by length, so that little of a step is padding: each epoch the sequences are shuffled
 * (a permutation keyed by (seed, epoch)), sorted stably by length, cut into batches of batchSize, and the
 * batches shuffled (another keyed permutation). Batch b of epoch e is a pure function of (seed, e, b),
 * which is all a resumed run needs to see the same data in the same order.
 */
package org.reformer4j.cli.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

public final class LengthBatcher {
    private final List<long[]> seqs;
    private final int batchSize;
    private final long seed;
    private int cachedEpoch = -1;
    private int[][] cached;

    public LengthBatcher(List<long[]> seqs, int batchSize, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("LengthBatcher: batch size must be >= 1, got " + batchSize);
        if (seqs.isEmpty()) throw new IllegalArgumentException("LengthBatcher: no sequences");
        this.seqs = List.copyOf(seqs);
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** Batches per epoch (the last one of the length order may be smaller). */
    public int batchesPerEpoch() {
        return Math.ceilDiv(seqs.size(), batchSize);
    }

    /** Indices of the sequences in batch {@code b} of epoch {@code epoch}. */
    public synchronized int[] batchIndices(long epoch, int b) {
        if (epoch != cachedEpoch) {
            cached = plan(epoch);
            cachedEpoch = (int) epoch;
        }
        return cached[b].clone();
    }

    /** The sequences of batch {@code b} of epoch {@code epoch}. */
    public List<long[]> batch(long epoch, int b) {
        List<long[]> out = new ArrayList<>();
        for (int i : batchIndices(epoch, b)) out.add(seqs.get(i));
        return out;
    }

    private int[][] plan(long epoch) {
        int n = seqs.size();
        int[] p = Shuffle.permutation(n, seed, Shuffle.EPOCH_STREAM, epoch);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = p[i];
        Arrays.sort(order, Comparator.comparingInt(i -> seqs.get(i).length)); // stable: ties keep the shuffled order
        int nb = batchesPerEpoch();
        int[][] batches = new int[nb][];
        for (int b = 0; b < nb; b++) {
            int from = b * batchSize, to = Math.min(n, from + batchSize);
            batches[b] = new int[to - from];
            for (int i = from; i < to; i++) batches[b][i - from] = order[i];
        }
        int[] q = Shuffle.permutation(nb, seed, Shuffle.BATCH_STREAM, epoch);
        int[][] out = new int[nb][];
        for (int b = 0; b < nb; b++) out[b] = batches[q[b]];
        return out;
    }

    /** Fraction of padded positions in an epoch's batches (inputs of length max - 1 per batch). */
    public double paddingFraction(long epoch) {
        long real = 0, total = 0;
        for (int b = 0; b < batchesPerEpoch(); b++) {
            int max = 0;
            int[] idx = batchIndices(epoch, b);
            for (int i : idx) {
                max = Math.max(max, seqs.get(i).length - 1);
                real += seqs.get(i).length - 1;
            }
            total += (long) max * idx.length;
        }
        return total == 0 ? 0 : 1 - (double) real / total;
    }
}
