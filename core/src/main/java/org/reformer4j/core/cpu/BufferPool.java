package org.reformer4j.core.cpu;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.reformer4j.core.DType;

/**
 * Arrays handed back by closed scopes and by the autograd engine (gradients after their last use), kept by
 * (dtype, exact length) for the next allocation of the same size: a training step allocates the same shapes
 * every time, and the next layer's backward the same as the last. Bounded in bytes (at most a quarter of the
 * maximum heap); past the bound arrays are left to the garbage collector. The pool holds its arrays through weak
 * references: an array not taken before the next collection that reaches it is the collector's, so the pool never
 * holds memory the heap needs. Soft references (kept until memory runs short) pinned up to a quarter of the heap:
 * once the engine fed the pool, lsh4k at 16384 tokens in 600m with G1 took 22.7 and 24.2 s per step in two runs of
 * three (18.0 in the third) against 17.5-18.8 s without the recycling, with more full collections (31 against 20);
 * with weak references 18.4 and 18.6 s against 18.8 and 20.1 without the recycling in the same sittings, GC pauses 1.4-1.8 s against
 * 1.9-2.9 s per run (bench/RESULTS.md).
 */
final class BufferPool {
    private final long capacityBytes;
    private final Map<Long, ArrayDeque<WeakReference<Object>>> free = new HashMap<>();
    private long heldBytes;

    BufferPool(long capacityBytes) {
        this.capacityBytes = Math.min(capacityBytes, Runtime.getRuntime().maxMemory() / 4);
    }

    private static long key(DType t, int length) {
        return ((long) t.ordinal() << 32) | (length & 0xffffffffL);
    }

    synchronized Object take(DType t, int length) {
        ArrayDeque<WeakReference<Object>> q = free.get(key(t, length));
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
        free.computeIfAbsent(key(t, length), k -> new ArrayDeque<>()).push(new WeakReference<>(data));
        heldBytes += bytes;
    }
}
