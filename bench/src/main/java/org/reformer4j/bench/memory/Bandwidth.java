package org.reformer4j.bench.memory;

import org.reformer4j.core.cpu.Parallel;

/**
 * This machine's memory bandwidth as a large float copy (STREAM "copy" convention: bytes read plus
 * bytes written, 8 bytes per float, write-allocate traffic not counted), the yardstick memory-bound
 * kernels (softmax, layer_norm, elementwise) are rated against. The copy is split into one contiguous
 * stripe per thread on {@link Parallel}'s pool. {@link CopyBench} measures it under JMH;
 * {@link #copyGBs} measures it from any benchmark or test in a few hundred milliseconds.
 */
public final class Bandwidth {
    /** Default copy size: 64M floats (256 MiB each way), far beyond the last-level cache. */
    public static final int DEFAULT_FLOATS = 64 << 20;

    private Bandwidth() {}

    /** Copies {@code src} into {@code dst} in {@code parts} contiguous stripes on the current pool. */
    public static void copy(float[] src, float[] dst, int parts) {
        int n = Math.min(src.length, dst.length);
        Parallel.forParts(n, parts, (from, to) -> System.arraycopy(src, from, dst, from, to - from));
    }

    /** Bytes one copy of {@code floats} floats moves (read + write). */
    public static double bytesMoved(long floats) {
        return 8.0 * floats;
    }

    /**
     * Best copy bandwidth in GB/s (1e9 bytes) over {@code reps} copies of {@code floats} floats on
     * {@code threads} threads, after one untimed copy. Restores {@link Parallel}'s thread count.
     */
    public static double copyGBs(int threads, int floats, int reps) {
        if (threads < 1 || floats < 1 || reps < 1) {
            throw new IllegalArgumentException("copyGBs: threads, floats and reps must be >= 1, got "
                    + threads + ", " + floats + ", " + reps);
        }
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            float[] src = new float[floats], dst = new float[floats];
            java.util.Arrays.fill(src, 1f);
            copy(src, dst, threads);
            long best = Long.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                copy(src, dst, threads);
                best = Math.min(best, System.nanoTime() - t0);
            }
            return bytesMoved(floats) / best;
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** {@link #copyGBs(int, int, int)} with 64M floats and 10 copies. */
    public static double copyGBs(int threads) {
        return copyGBs(threads, DEFAULT_FLOATS, 10);
    }

    /** Prints the bandwidth on 1 and 2 threads. */
    public static void main(String[] args) {
        for (int t = 1; t <= 2; t++) {
            System.out.printf("float copy, 64M floats, %d thread(s): %.1f GB/s%n", t, copyGBs(t));
        }
    }
}
