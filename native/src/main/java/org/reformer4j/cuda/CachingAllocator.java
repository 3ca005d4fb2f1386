package org.reformer4j.cuda;

import java.util.Arrays;

/**
 * A caching device allocator, in the spirit of PyTorch's CUDACachingAllocator but much smaller: sizes are
 * rounded up to a size class (512 B steps below 1 MiB, 1 MiB steps above), freed blocks go to a free list
 * per size class (last freed, first reused), and an allocation reuses the smallest cached block that fits
 * without wasting more than half of it. When the device runs out of memory the cache is emptied and the
 * allocation retried once. Device malloc/free are slow and synchronise the device, so a training step should
 * never reach them; and a cache hit allocates nothing on the heap but the caller's block object: the free
 * lists are primitive stacks, found through a bit set (classes up to 1 MiB) or a sorted array (larger ones).
 */
final class CachingAllocator {
    /** The raw device allocation calls. */
    interface Raw {
        long malloc(long bytes);

        void free(long address);
    }

    /** Makes the caller's object for a block of {@code capacity} bytes at {@code address}, asked for {@code bytes}. */
    interface Blocks<T> {
        T block(long address, long bytes, long capacity);
    }

    static final long SMALL_STEP = 512, LARGE_STEP = 1L << 20;
    /** Classes k * SMALL_STEP for k in [1, SMALL_CLASSES] have their free list at small[k]. */
    private static final int SMALL_CLASSES = (int) (LARGE_STEP / SMALL_STEP);

    private final Raw raw;
    private final Stack[] small = new Stack[SMALL_CLASSES + 1];
    /** Bit k set when small[k] holds a block. */
    private final long[] smallHeld = new long[(SMALL_CLASSES + 1 + 63) / 64];
    /** Classes above LARGE_STEP seen since the last emptyCache, ascending, and their free lists. */
    private long[] largeClasses = new long[0];
    private Stack[] large = new Stack[0];
    private long bytesInUse, bytesCached, rawAllocations;

    CachingAllocator(Raw raw) {
        this.raw = raw;
    }

    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocation of " + bytes + " bytes");
        long step = bytes < LARGE_STEP ? SMALL_STEP : LARGE_STEP;
        return Math.max(SMALL_STEP, (bytes + step - 1) / step * step);
    }

    /** A block of at least {@code bytes}, made into the caller's object by {@code blocks}. */
    synchronized <T> T allocate(long bytes, Blocks<T> blocks) {
        long want = sizeClass(bytes);
        Stack cached = smallestCached(want, 2 * want);
        if (cached != null) {
            long capacity = cached.sizeClass, address = cached.pop();
            if (cached.size == 0 && capacity <= LARGE_STEP) smallHeld[cached.index >> 6] &= ~(1L << cached.index);
            bytesCached -= capacity;
            bytesInUse += capacity;
            return blocks.block(address, bytes, capacity);
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
        return blocks.block(address, bytes, want);
    }

    /** The free list of the smallest class in [want, limit] that holds a block, or null. */
    private Stack smallestCached(long want, long limit) {
        if (want <= LARGE_STEP) {
            int from = (int) (want / SMALL_STEP), to = (int) (Math.min(limit, LARGE_STEP) / SMALL_STEP);
            for (int w = from >> 6; w <= to >> 6; w++) {
                long bits = smallHeld[w] & (w == from >> 6 ? -1L << from : -1L);
                if (bits != 0) {
                    int k = (w << 6) + Long.numberOfTrailingZeros(bits);
                    return k <= to ? small[k] : null;
                }
            }
        }
        int i = Arrays.binarySearch(largeClasses, want);
        for (i = i < 0 ? -i - 1 : i; i < largeClasses.length && largeClasses[i] <= limit; i++)
            if (large[i].size > 0) return large[i];
        return null;
    }

    synchronized void release(long address, long capacity) {
        Stack s;
        if (capacity <= LARGE_STEP) {
            int k = (int) (capacity / SMALL_STEP);
            s = small[k];
            if (s == null) small[k] = s = new Stack(capacity, k);
            smallHeld[k >> 6] |= 1L << k;
        } else {
            int i = Arrays.binarySearch(largeClasses, capacity);
            if (i < 0) {  // a class not seen since the last emptyCache: insert it in order
                i = -i - 1;
                int n = largeClasses.length;
                long[] classes = new long[n + 1];
                Stack[] stacks = new Stack[n + 1];
                System.arraycopy(largeClasses, 0, classes, 0, i);
                System.arraycopy(large, 0, stacks, 0, i);
                System.arraycopy(largeClasses, i, classes, i + 1, n - i);
                System.arraycopy(large, i, stacks, i + 1, n - i);
                classes[i] = capacity;
                stacks[i] = new Stack(capacity, -1);
                largeClasses = classes;
                large = stacks;
            }
            s = large[i];
        }
        s.push(address);
        bytesInUse -= capacity;
        bytesCached += capacity;
    }

    /** Gives every cached (free) block back to the device, smaller classes first. */
    synchronized void emptyCache() {
        for (Stack s : small) if (s != null) s.freeAll(raw);
        for (Stack s : large) s.freeAll(raw);
        Arrays.fill(smallHeld, 0);
        largeClasses = new long[0];
        large = new Stack[0];
        bytesCached = 0;
    }

    /** Whether an allocation of {@code bytes} would be served from the cache (no raw allocation). */
    synchronized boolean hasCached(long bytes) {
        long want = sizeClass(bytes);
        return smallestCached(want, 2 * want) != null;
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

    /** The free blocks of one size class: a stack of addresses. */
    private static final class Stack {
        final long sizeClass;
        final int index;
        long[] addresses = new long[4];
        int size;

        Stack(long sizeClass, int index) {
            this.sizeClass = sizeClass;
            this.index = index;
        }

        void push(long address) {
            if (size == addresses.length) addresses = Arrays.copyOf(addresses, 2 * size);
            addresses[size++] = address;
        }

        long pop() {
            return addresses[--size];
        }

        /** Frees the most recently pushed first (the order the old deque iterated in). */
        void freeAll(Raw raw) {
            while (size > 0) raw.free(addresses[--size]);
        }
    }
}
