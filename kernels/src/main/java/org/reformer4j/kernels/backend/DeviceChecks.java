package org.reformer4j.kernels.backend;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.KernelArgs;

/**
 * The error slots of the checking kernels (tensor_index.cu, cross_entropy_rows.cu: each atomicMin's the first
 * bad position of a launch into one device int) without a host copy per launch: slots are ints of one
 * device array, set by a memset (no upload) to {@link #CLEAR}, a value above any position. Immediate mode
 * (the default) reads a launch's slot right after it, so an out-of-range index throws at the op, as on the
 * CPU. Deferred mode ({@link CudaBackend#deferChecks}) queues the check and reads every queued slot in one
 * copy at the next copy to the host (which waits for the device anyway) or at {@link #flush}, so a training
 * step launches without waiting on the device, the way CUDA reports kernel errors late.
 */
final class DeviceChecks {
    /** memset byte 0x7F in each byte of an int: larger than any position a launch can report. */
    static final int CLEAR = 0x7F7F7F7F;
    private static final int SLOTS = 256;

    private final CudaRuntime rt;
    private final List<Pending> pending = new ArrayList<>();
    private DeviceBuffer slots;
    private boolean deferred;

    /** A queued check: its slot, the number of positions the launch covered, the error for a bad one. */
    private record Pending(int slot, long positions, IntFunction<RuntimeException> error) {}

    private static final java.util.Map<CudaRuntime, DeviceChecks> BY_RUNTIME = new java.util.concurrent.ConcurrentHashMap<>();

    private DeviceChecks(CudaRuntime rt) {
        this.rt = rt;
    }

    /** The checks of one runtime (one queue per device). */
    static DeviceChecks of(CudaRuntime rt) {
        return BY_RUNTIME.computeIfAbsent(rt, DeviceChecks::new);
    }

    synchronized void setDeferred(boolean on) {
        if (!on) flush();
        deferred = on;
    }

    synchronized boolean deferred() {
        return deferred;
    }

    /**
     * Appends a pointer to a cleared slot to {@code args}, runs {@code launch}, and checks (now or at the next
     * flush) that the launch reported no position below {@code positions}; {@code error} makes the exception
     * for the first bad position.
     */
    synchronized void launch(KernelArgs args, long positions, Runnable launch, IntFunction<RuntimeException> error) {
        if (positions >= CLEAR)
            throw new IllegalArgumentException("device checks: " + positions + " positions exceed the slot's range " + CLEAR);
        if (slots == null) slots = rt.allocate(4L * SLOTS);
        if (pending.size() == SLOTS) flush();
        int slot = pending.size();
        rt.memset(slots, 4L * slot, 4, (byte) 0x7F);
        args.ptr(slots, 4L * slot);
        pending.add(new Pending(slot, positions, error));
        try {
            launch.run();
        } catch (RuntimeException e) {
            pending.removeLast();
            throw e;
        }
        if (!deferred) flush();
    }

    /** Reads every queued slot in one copy and throws the first queued error found (the queue is emptied). */
    synchronized void flush() {
        if (pending.isEmpty()) return;
        int[] seen = new int[pending.size()];
        rt.copyToHost(slots, 0, MemorySegment.ofArray(seen), 4L * seen.length);
        List<Pending> all = List.copyOf(pending);
        pending.clear();
        for (Pending p : all) {
            int bad = seen[p.slot()];
            if (bad < p.positions()) throw p.error().apply(bad);
        }
    }
}
