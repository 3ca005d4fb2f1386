package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CPU thread pool's contract: every index of a loop runs exactly once, a failure in a part reaches the
 * caller, and a loop nested inside a part runs inline on the thread that runs the part (the caller's parts
 * included), so a nested product's output is written and read on one core.
 */
class ParallelTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @Test
    void everyIndexRunsOnceAndNestedLoopsStayOnTheirPartsThread() {
        Parallel.setThreads(2);
        for (int trial = 0; trial < 50; trial++) {
            int outer = 8, inner = 64;
            AtomicIntegerArray hits = new AtomicIntegerArray(outer * inner);
            ConcurrentHashMap<Integer, Boolean> sameThread = new ConcurrentHashMap<>();
            Parallel.forParts(outer, outer, (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    int row = o;
                    Thread mine = Thread.currentThread();
                    Parallel.forParts(inner, 4, (i0, i1) -> {
                        for (int i = i0; i < i1; i++) hits.incrementAndGet(row * inner + i);
                        if (Thread.currentThread() != mine) sameThread.put(row, false);
                    });
                    sameThread.putIfAbsent(row, true);
                }
            });
            for (int i = 0; i < outer * inner; i++) assertEquals(1, hits.get(i), "index " + i + " of trial " + trial);
            for (int o = 0; o < outer; o++) assertTrue(sameThread.get(o), "nested loop of part " + o + " left its thread");
        }
    }

    @Test
    void onlyThreadsRunningAPartAreInside() {
        Parallel.setThreads(2);
        assertTrue(!Parallel.insidePart(), "the test thread before any loop");
        ConcurrentHashMap<Integer, Boolean> inside = new ConcurrentHashMap<>();
        Parallel.forParts(6, 6, (a, b) -> inside.put(a, Parallel.insidePart()));
        assertEquals(6, inside.size());
        inside.forEach((part, in) -> assertTrue(in, "part " + part + " ran outside"));
        assertTrue(!Parallel.insidePart(), "the caller after the loop: its next top-level loop must fork again");
    }

    @Test
    void aFailingPartReachesTheCaller() {
        Parallel.setThreads(2);
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forParts(10, 10, (a, b) -> {
            if (a == 7) throw new IllegalStateException("part 7");
        }));
        assertEquals("part 7", e.getMessage());
        // the caller's flag is cleared after a failure: the next top-level loop still completes every index
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forParts(100, 4, (a, b) -> { for (int i = a; i < b; i++) hits.incrementAndGet(i); });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i));
        assertTrue(!Parallel.insidePart(), "the caller after a failed loop");
    }
}
