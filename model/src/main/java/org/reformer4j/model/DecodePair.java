package org.reformer4j.model;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.reformer4j.core.cpu.Parallel;

/**
 * Two halves of a small product at once, for the {@link FlatDecoder}: the caller runs one half and a helper
 * thread the other. A decoding step has ~60 products of 30-130 thousand multiply-adds (10-50 us each), too
 * short for a fork-join hand-off (a parked worker takes ~10-30 us to wake), so the helper waits busily between
 * them while a generation runs (spinning, after {@link #YIELD_AFTER_NANOS} yielding to other runnable threads)
 * and parks after {@link #SPIN_NANOS} without work. If the helper has not picked up
 * its half by the time the caller finishes its own (descheduled on a busy machine), the caller takes it back
 * and runs it too, so a late helper costs nothing but the wait for the first half. One helper thread per
 * process (daemon), used by one caller at a time; other callers, and everything when the CPU backend runs on
 * one thread ({@link Parallel#threads()}), run both halves inline.
 */
final class DecodePair {
    private static final long SPIN_NANOS = 2_000_000, YIELD_AFTER_NANOS = 20_000;
    private static final int IDLE = 0, POSTED = 1, RUNNING = 2, DONE = 3;
    private static final DecodePair SHARED = new DecodePair();

    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Runnable task;
    private volatile Throwable failure;
    private volatile boolean parked;
    private Thread thread;

    private DecodePair() {}

    /** Runs {@code mine} on this thread and {@code other} on the helper (or here, see the class comment); returns when both are done. */
    static void run(Runnable mine, Runnable other) {
        DecodePair p = SHARED;
        if (Parallel.threads() < 2 || !p.busy.compareAndSet(false, true)) {
            mine.run();
            other.run();
            return;
        }
        try {
            p.both(mine, other);
        } finally {
            p.busy.set(false);
        }
    }

    private void both(Runnable mine, Runnable other) {
        Thread t = thread;
        if (t == null || !t.isAlive()) {
            t = thread = Thread.ofPlatform().daemon().name("reformer4j-decode-helper").start(this::loop);
        }
        task = other;
        failure = null;
        phase.set(POSTED);
        if (parked) LockSupport.unpark(t);
        try {
            mine.run();
        } finally {
            if (phase.compareAndSet(POSTED, IDLE)) {
                other.run(); // the helper did not start it: take it back
            } else {
                long since = System.nanoTime();
                while (phase.get() != DONE) pause(since);
                phase.set(IDLE);
                Throwable f = failure;
                if (f instanceof RuntimeException r) throw r;
                if (f instanceof Error e) throw e;
                if (f != null) throw new IllegalStateException("DecodePair: the helper's half failed", f);
            }
        }
    }

    /** A busy wait's pause: a spin hint for the first {@link #YIELD_AFTER_NANOS}, then a yield to whoever else is runnable. */
    private static void pause(long since) {
        if (System.nanoTime() - since < YIELD_AFTER_NANOS) Thread.onSpinWait();
        else Thread.yield();
    }

    private void loop() {
        long idleSince = System.nanoTime();
        while (true) {
            if (phase.get() == POSTED && phase.compareAndSet(POSTED, RUNNING)) {
                try {
                    task.run();
                } catch (Throwable e) {
                    failure = e;
                }
                phase.set(DONE);
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                pause(idleSince);
            } else {
                parked = true;
                if (phase.get() != POSTED) LockSupport.park(this);
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }
}
