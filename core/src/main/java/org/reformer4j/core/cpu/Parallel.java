package org.reformer4j.core.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The CPU backend's thread pool: a fork-join pool sized to the cores (or to the system property
 * {@code reformer4j.threads}), and a range-splitting parallel for.
 *
 * <p>Work is split into at most {@code threads} contiguous ranges of at least {@code grain} items, so
 * a small loop runs inline on the caller and a large one costs one task per core.
 */
public final class Parallel {
    private static volatile int threads = Integer.getInteger("reformer4j.threads",
            Runtime.getRuntime().availableProcessors());
    private static volatile ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));

    private Parallel() {}

    /** A body over the half-open index range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Number of threads the CPU backend uses. */
    public static int threads() {
        return threads;
    }

    /** Changes the number of threads (benchmarks compare 1 and 2); takes effect for the next loop. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == threads) return;
        ForkJoinPool old = pool;
        threads = n;
        pool = new ForkJoinPool(n);
        old.shutdown();
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous ranges. Ranges hold at least {@code grain}
     * items (so {@code n <= grain} runs inline) and there are at most {@link #threads()} of them.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int t = threads;
        int parts = Math.min(t, Math.max(1, n / Math.max(1, grain)));
        if (parts <= 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        forParts(n, parts, body);
    }

    /** Runs {@code body} over [0, n) in exactly {@code parts} contiguous ranges (parts clamped to [1, n]). */
    public static void forParts(int n, int parts, Range body) {
        if (n <= 0) return;
        parts = Math.max(1, Math.min(parts, n));
        if (parts == 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        pool.invoke(new Split(body, n, parts, 0, parts));
    }

    private static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w
                && w.getPool() == pool;
    }

    private static final class Split extends RecursiveAction {
        private final Range body;
        private final int n, parts, lo, hi;

        Split(Range body, int n, int parts, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.parts = parts;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / parts);
                int to = (int) ((long) n * hi / parts);
                body.run(from, to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(body, n, parts, lo, mid), new Split(body, n, parts, mid, hi));
        }
    }
}
