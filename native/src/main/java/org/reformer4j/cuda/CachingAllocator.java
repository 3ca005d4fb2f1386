package org.reformer4j.cuda;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device allocator, in the spirit of PyTorch's CUDACachingAllocator but much smaller: sizes are
 * rounded up to a size class (512 B steps below 1 MiB, 1 MiB steps above), freed blocks go to a free list
 * keyed by size class, and an allocation reuses the smallest cached block that fits without wasting more
 * than half of it. When the device runs out of memory the cache is emptied and the allocation retried once.
 * Device malloc/free are slow and synchronise the device, so a training step should never reach them.
 */
final class CachingAllocator {
    /** The raw device allocation calls. */
    interface Raw {
        long malloc(long bytes);

        void free(long address);
    }

    static final long SMALL_STEP = 512, LARGE_STEP = 1L << 20;

    private final Raw raw;
    private final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
    private long bytesInUse, bytesCached, rawAllocations;

    CachingAllocator(Raw raw) {
        this.raw = raw;
    }

    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocation of " + bytes + " bytes");
        long step = bytes < LARGE_STEP ? SMALL_STEP : LARGE_STEP;
        return Math.max(SMALL_STEP, (bytes + step - 1) / step * step);
    }

    /** Returns {address, capacity} of a block of at least {@code bytes}. */
    synchronized long[] allocate(long bytes) {
        long want = sizeClass(bytes);
        Map.Entry<Long, ArrayDeque<Long>> e = free.ceilingEntry(want);
        if (e != null && e.getKey() <= 2 * want) {
            long capacity = e.getKey();
            long address = e.getValue().pop();
            if (e.getValue().isEmpty()) free.remove(capacity);
            bytesCached -= capacity;
            bytesInUse += capacity;
            return new long[] {address, capacity};
        }
        long address;
        try {
            address = raw.malloc(want);
        } catch (CudaException oom) {
            if (bytesCached == 0) throw oom;
            emptyCache();
            address = raw.malloc(want);
        }
        rawAllocations++;
        bytesInUse += want;
        return new long[] {address, want};
    }

    synchronized void release(long address, long capacity) {
        free.computeIfAbsent(capacity, c -> new ArrayDeque<>()).push(address);
        bytesInUse -= capacity;
        bytesCached += capacity;
    }

    /** Gives every cached (free) block back to the device. */
    synchronized void emptyCache() {
        for (var e : free.entrySet())
            for (long address : e.getValue()) raw.free(address);
        free.clear();
        bytesCached = 0;
    }

    synchronized long bytesInUse() {
        return bytesInUse;
    }

    synchronized long bytesCached() {
        return bytesCached;
    }

    synchronized long rawAllocations() {
        return rawAllocations;
    }
}
