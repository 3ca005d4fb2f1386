package org.reformer4j.core.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.reformer4j.core.DType;

/**
 * Arrays handed back by closed scopes, kept by (dtype, exact length) for the next allocation of the same
 * size: a training step allocates the same shapes every time, so after the first step it allocates
 * almost nothing. Bounded in bytes; past the bound arrays are left to the garbage collector.
 */
final class BufferPool {
    private final long capacityBytes;
    private final Map<Long, ArrayDeque<Object>> free = new HashMap<>();
    private long heldBytes;

    BufferPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    private static long key(DType t, int length) {
        return ((long) t.ordinal() << 32) | (length & 0xffffffffL);
    }

    synchronized Object take(DType t, int length) {
        ArrayDeque<Object> q = free.get(key(t, length));
        if (q == null || q.isEmpty()) return null;
        heldBytes -= (long) length * t.bytes();
        return q.pop();
    }

    synchronized void give(DType t, int length, Object data) {
        long bytes = (long) length * t.bytes();
        if (heldBytes + bytes > capacityBytes || length == 0) return;
        free.computeIfAbsent(key(t, length), k -> new ArrayDeque<>()).push(data);
        heldBytes += bytes;
    }
}
