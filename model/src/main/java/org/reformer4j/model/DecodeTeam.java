package org.reformer4j.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.reformer4j.core.cpu.Parallel;

/**
 * The caller and one helper thread sharing the chunks of a small task, for the {@link FlatDecoder}: a decoding
 * step has ~60 products of 30-130 thousand multiply-adds (10-50 us each), too short for a fork-join hand-off (a
 * parked worker takes ~10-30 us to wake). Both threads claim chunks from one counter, so the caller never waits
 * for a chunk nobody started: a helper that is late (descheduled on a busy machine, or still waking) leaves its
 * share to the caller, which then waits only for the chunks the helper is running. Between tasks the helper
 * spins for {@link #SPIN_NANOS}, then parks until the next one. When the helper ran under a third of the chunks
 * of the last {@link #WINDOW} tasks (a machine busy with other work: its spinning would only take time from the
 * caller), the next {@link #BACKOFF} tasks run inline, then sharing is tried again.
 * One helper per process (daemon), serving one
 * caller at a time; other callers, and every caller when the CPU backend runs one thread
 * ({@link Parallel#threads()}), run all chunks inline.
 */
final class DecodeTeam {
    /** A task's body: runs chunk c of the task. */
    @FunctionalInterface
    interface Chunks {
        void run(int c);
    }

    private static final long SPIN_NANOS = 300_000, CALLER_SPIN_NANOS = 50_000;
    private static final int WINDOW = 64, BACKOFF = 1024;
    /** The chunk field of a ticket whose task is being set up: above every chunk count, so nothing is claimed. */
    private static final int CLOSED = Integer.MAX_VALUE;
    private static final DecodeTeam SHARED = new DecodeTeam();

    /** (task sequence number << 32) | next unclaimed chunk. */
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Chunks body;
    private volatile int chunks;
    private volatile Throwable failure;
    private volatile boolean parked;
    private final AtomicInteger helperRan = new AtomicInteger();
    private Thread thread;
    // the caller's bookkeeping of the helper's share (under busy)
    private int windowTasks, windowChunks, windowHelperStart, inlineLeft;

    private DecodeTeam() {}

    /** Runs body.run(c) for every c in [0, chunks) on this thread and the helper; returns when all are done. */
    static void run(int chunks, Chunks body) {
        DecodeTeam t = SHARED;
        if (chunks <= 1 || Parallel.threads() < 2 || !t.busy.compareAndSet(false, true)) {
            for (int c = 0; c < chunks; c++) body.run(c);
            return;
        }
        try {
            if (t.inlineLeft > 0) {
                t.inlineLeft--;
                for (int c = 0; c < chunks; c++) body.run(c);
            } else {
                t.share(chunks, body);
                t.account(chunks);
            }
        } finally {
            t.busy.set(false);
        }
    }

    /** Counts a shared task; after each window, backs off when the helper ran under a third of its chunks. */
    private void account(int chunks) {
        windowTasks++;
        windowChunks += chunks;
        if (windowTasks < WINDOW) return;
        int ran = helperRan.get() - windowHelperStart;
        if (3 * ran < windowChunks) inlineLeft = BACKOFF;
        windowTasks = 0;
        windowChunks = 0;
        windowHelperStart = helperRan.get();
    }

    private void share(int n, Chunks task) {
        Thread h = thread;
        if (h == null || !h.isAlive()) h = thread = Thread.ofPlatform().daemon().name("reformer4j-decode-helper").start(this::loop);
        long seq = (ticket.get() >>> 32) + 1;
        // closed first: from here no claim of the previous task (its sequence number is gone) nor of this one (no
        // chunk below CLOSED) can succeed, so a helper that read the old ticket and then these new fields cannot
        // run a chunk of this task under the old number (which ran that chunk twice and counted it done early)
        ticket.set((seq << 32) | CLOSED);
        body = task;
        chunks = n;
        failure = null;
        done.set(0);
        ticket.set(seq << 32); // publishes the fields above
        if (parked) LockSupport.unpark(h);
        claim(seq, n, task);
        long since = System.nanoTime();
        while (done.get() < n) {
            if (System.nanoTime() - since < CALLER_SPIN_NANOS) Thread.onSpinWait();
            else Thread.yield();
        }
        Throwable f = failure;
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
        if (f != null) throw new IllegalStateException("DecodeTeam: a chunk failed", f);
    }

    /** Claims and runs chunks of task seq until none is left; returns how many it ran. */
    private int claim(long seq, int n, Chunks task) {
        int ran = 0;
        while (true) {
            long t = ticket.get();
            int c = (int) t;
            if (t >>> 32 != seq || c >= n) return ran;
            if (!ticket.compareAndSet(t, t + 1)) continue;
            ran++;
            try {
                task.run(c);
            } catch (Throwable e) {
                failure = e;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void loop() {
        long idleSince = System.nanoTime(), seen = 0;
        while (true) {
            long t = ticket.get(), seq = t >>> 32;
            if (seq != seen && (int) t != CLOSED) {
                // fields read after the ticket: at least as new as it; a newer task makes every claim below fail
                Chunks task = body;
                int n = chunks;
                helperRan.addAndGet(claim(seq, n, task));
                seen = seq;
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                parked = true;
                if (ticket.get() >>> 32 == seen) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }
}
