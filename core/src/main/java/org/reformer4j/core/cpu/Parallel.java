package org.reformer4j.core.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's thread pool: a fork-join pool sized to the cores (or to the system property
 * {@code reformer4j.threads}), and a range-splitting parallel for.
 *
 * <p>Work is split into at most {@code threads} contiguous ranges of at least {@code grain} items, so
 * a small loop runs inline on the caller and a large one costs one task per core. The calling thread works
 * too: it and {@code threads - 1} pool helpers claim the parts one at a time from a shared counter, so a
 * helper that is slow to wake (or not scheduled at all on a busy machine) costs nothing but its share,
 * which the caller then takes; the caller returns when every part is done. A loop nested inside a part
 * runs inline on whichever thread runs that part (caller or helper).
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
        if (parts <= 1 || insidePart()) {
            body.run(0, n);
            return;
        }
        forParts(n, parts, body);
    }

    /** Runs {@code body} over [0, n) in exactly {@code parts} contiguous ranges (parts clamped to [1, n]). */
    public static void forParts(int n, int parts, Range body) {
        if (n <= 0) return;
        parts = Math.max(1, Math.min(parts, n));
        if (parts == 1 || insidePart()) {
            body.run(0, n);
            return;
        }
        Claims work = new Claims(body, n, parts);
        ForkJoinPool p = pool;
        for (int h = Math.min(threads, parts) - 1; h > 0; h--) p.execute(work::run);
        boolean[] inside = CALLER_INSIDE.get();
        inside[0] = true;
        try {
            work.run();
        } finally {
            inside[0] = false;
        }
        work.await();
    }

    /**
     * Whether this (non-pool) thread is running parts of a parallel loop: a loop nested in one of its parts
     * then runs inline, as it does on the pool's workers. Otherwise the caller's nested loop (an LSH row's
     * batched chunk products, say) was handed to a worker as soon as that worker finished its own part, and
     * the products' outputs could be written by one core and read by the other.
     */
    private static final ThreadLocal<boolean[]> CALLER_INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    /** One parallel loop's parts, claimed in order by the caller and its helpers. */
    private static final class Claims {
        private final Range body;
        private final int n, parts;
        private final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        private final Thread caller = Thread.currentThread();
        private volatile Throwable failure;

        Claims(Range body, int n, int parts) {
            this.body = body;
            this.n = n;
            this.parts = parts;
        }

        /** Runs parts until none is left to claim. */
        void run() {
            for (int i; (i = next.getAndIncrement()) < parts; ) {
                try {
                    if (failure == null) body.run((int) ((long) n * i / parts), (int) ((long) n * (i + 1) / parts));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (done.incrementAndGet() == parts) LockSupport.unpark(caller);
                }
            }
        }

        /** Waits (spinning briefly, then parked) until every claimed part has finished; rethrows a failure. */
        void await() {
            for (int spins = 0; done.get() < parts; spins++) {
                if (spins < 1 << 10) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 50_000);
            }
            Throwable t = failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new RuntimeException(t);
        }
    }

    /** Whether the current thread is running a part of a parallel loop (nested loops then run inline). */
    static boolean insidePart() {
        Thread t = Thread.currentThread();
        if (t instanceof java.util.concurrent.ForkJoinWorkerThread w) return w.getPool() == pool;
        return CALLER_INSIDE.get()[0];
    }
}
