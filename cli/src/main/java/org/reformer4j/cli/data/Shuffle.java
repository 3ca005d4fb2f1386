/*
 * Replayable permutations for the data order: a Fisher-Yates shuffle driven by float64 uniforms from
 * Philox keyed by (seed, stream, counter) (core.random.Generator), so a permutation is a pure function of
 * its key. The data order of epoch e uses counter e in its stream; resuming a run needs only the epoch
 * and the position inside it, never a saved generator state.
 */
package org.reformer4j.cli.data;

import org.reformer4j.core.random.Generator;

public final class Shuffle {
    /** Streams of the seed used by the command line (the model uses its own). */
    public static final long SPLIT_STREAM = 0x5011_7000L, EPOCH_STREAM = 0x5011_7001L, BATCH_STREAM = 0x5011_7002L,
            SAMPLE_STREAM = 0x5011_7003L, EVAL_STREAM = 0x5011_7004L, SAMPLE_ROTATION_STREAM = 0x5011_7005L;

    private Shuffle() {}

    /** A permutation of 0..n-1 keyed by (seed, stream, counter). */
    public static int[] permutation(int n, long seed, long stream, long counter) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        if (n < 2) return p;
        double[] u = new double[n];
        // Element e of the uniform sequence starting at block counter*2^32: epochs never share blocks.
        Generator.fillUniform(seed, stream, counter << 32, 0, u, 0, n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (u[i] * (i + 1));
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
