package org.reformer4j.core.cpu;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.reformer4j.core.DType;

/**
 * Arrays handed back by closed scopes, kept by (dtype, exact length) for the next allocation of the same
 * size: a training step allocates the same shapes every time, so after the first step it allocates
 * almost nothing. Bounded in bytes (at most a quarter of the maximum heap); past the bound arrays are left
 * to the garbage collector. The pool holds its arrays through soft references, so under memory pressure the
 * collector takes them back instead of the program running out of heap because of a cache.
 */
final class BufferPool {
    private final long capacityBytes;
    private final Map<Long, ArrayDeque<SoftReference<Object>>> free = new HashMap<>();
    private long heldBytes;

    BufferPool(long capacityBytes) {
        this.capacityBytes = Math.min(capacityBytes, Runtime.getRuntime().maxMemory() / 4);
    }

    private static long key(DType t, int length) {
        return ((long) t.ordinal() << 32) | (length & 0xffffffffL);
    }

    synchronized Object take(DType t, int length) {
        ArrayDeque<SoftReference<Object>> q = free.get(key(t, length));
        while (q != null && !q.isEmpty()) {
            heldBytes -= (long) length * t.bytes();
            Object a = q.pop().get();
            if (a != null) return a;
        }
        return null;
    }

    /** Drops the entries whose arrays the collector has taken, so that they stop counting against the bound. */
    private void purgeCleared() {
        for (var e : free.entrySet()) {
            long len = e.getKey() & 0xffffffffL;
            int bytes = DType.values()[(int) (e.getKey() >>> 32)].bytes();
            var it = e.getValue().iterator();
            while (it.hasNext()) {
                if (it.next().get() == null) {
                    it.remove();
                    heldBytes -= len * bytes;
                }
            }
        }
    }

    synchronized void give(DType t, int length, Object data) {
        long bytes = (long) length * t.bytes();
        if (heldBytes + bytes > capacityBytes) purgeCleared();
        if (heldBytes + bytes > capacityBytes || length == 0) return;
        free.computeIfAbsent(key(t, length), k -> new ArrayDeque<>()).push(new SoftReference<>(data));
        heldBytes += bytes;
    }
}
