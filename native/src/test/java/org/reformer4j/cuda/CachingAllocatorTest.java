package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The caching allocator against a plain model of its rule, written here with a TreeMap of deques: an
 * allocation takes the most recently freed block of the smallest cached size class in [class, 2 * class],
 * else a new raw block of its class; emptyCache frees every cached block. A seeded random sequence of
 * allocations (small and large classes, repeated sizes), releases and cache flushes must give the same blocks,
 * counters and raw frees.
 */
class CachingAllocatorTest {
    /** Raw blocks at increasing fake addresses; records frees. */
    static final class FakeRaw implements CachingAllocator.Raw {
        long next = 1L << 20;
        final Set<Long> freed = new HashSet<>();

        @Override
        public long malloc(long bytes) {
            long a = next;
            next += bytes + 256;
            return a;
        }

        @Override
        public void free(long address) {
            if (!freed.add(address)) throw new AssertionError("double free of " + address);
        }
    }

    /** The model: TreeMap from size class to a LIFO deque of free addresses. */
    static final class Model {
        final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
        final FakeRaw raw = new FakeRaw();
        long inUse, cached, rawAllocations;

        long[] allocate(long bytes) {
            long want = CachingAllocator.sizeClass(bytes);
            Map.Entry<Long, ArrayDeque<Long>> e = free.ceilingEntry(want);
            if (e != null && e.getKey() <= 2 * want) {
                long cap = e.getKey(), address = e.getValue().pop();
                if (e.getValue().isEmpty()) free.remove(cap);
                cached -= cap;
                inUse += cap;
                return new long[] {address, cap};
            }
            rawAllocations++;
            inUse += want;
            return new long[] {raw.malloc(want), want};
        }

        void release(long address, long cap) {
            free.computeIfAbsent(cap, c -> new ArrayDeque<>()).push(address);
            inUse -= cap;
            cached += cap;
        }

        void emptyCache() {
            for (ArrayDeque<Long> d : free.values()) for (long a : d) raw.free(a);
            free.clear();
            cached = 0;
        }
    }

    @Test
    void sameBlocksAsTheModelRule() {
        Random r = new Random(20261126);
        Model model = new Model();
        FakeRaw raw = new FakeRaw();
        CachingAllocator alloc = new CachingAllocator(raw);
        List<long[]> live = new ArrayList<>();  // {address, capacity}, same in both
        long[] sizes = new long[40];
        for (int i = 0; i < sizes.length; i++)
            sizes[i] = switch (i % 4) {
                case 0 -> r.nextInt(4096);
                case 1 -> r.nextInt(1 << 20) + 1;
                case 2 -> (1L << 20) - r.nextInt(2048);
                default -> (1L << 20) + r.nextInt(8 << 20);
            };
        for (int step = 0; step < 40000; step++) {
            int op = r.nextInt(100);
            if (op < 52 || live.isEmpty()) {
                long bytes = r.nextInt(4) == 0 ? r.nextInt(3 << 20) : sizes[r.nextInt(sizes.length)];
                long[] want = model.allocate(bytes);
                long[] got = alloc.allocate(bytes, (a, b, c) -> new long[] {a, c});
                assertEquals(want[0], got[0], "step " + step + ": address for " + bytes + " bytes");
                assertEquals(want[1], got[1], "step " + step + ": capacity for " + bytes + " bytes");
                live.add(got);
            } else if (op < 99) {
                long[] b = live.remove(r.nextInt(live.size()));
                model.release(b[0], b[1]);
                alloc.release(b[0], b[1]);
            } else {
                model.emptyCache();
                alloc.emptyCache();
                assertEquals(model.raw.freed, raw.freed, "step " + step + ": blocks given back by emptyCache");
            }
            assertEquals(model.inUse, alloc.bytesInUse(), "step " + step + ": bytes in use");
            assertEquals(model.cached, alloc.bytesCached(), "step " + step + ": bytes cached");
        }
        assertEquals(model.rawAllocations, alloc.rawAllocations());
    }
}
