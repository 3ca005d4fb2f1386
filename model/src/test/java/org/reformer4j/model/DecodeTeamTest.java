package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every chunk of every task runs exactly once, tasks do not overlap, and a chunk's exception reaches the caller. */
class DecodeTeamTest {
    @Test
    void eachChunkRunsOnceAndTasksDoNotOverlap() {
        int tasks = 50_000; // enough hand-overs to meet the helper reading a ticket just as the next task is set up
        for (int t = 0; t < tasks; t++) {
            int n = 1 + t % 17, task = t;
            AtomicIntegerArray runs = new AtomicIntegerArray(n);
            int[] owner = new int[n];
            DecodeTeam.run(n, c -> {
                runs.incrementAndGet(c);
                owner[c] = task;
            });
            for (int c = 0; c < n; c++) {
                assertEquals(1, runs.get(c), "task " + t + " chunk " + c);
                assertEquals(t, owner[c], "task " + t + " chunk " + c + " written by its own task");
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCall() {
        var e = assertThrows(IllegalStateException.class, () -> DecodeTeam.run(8, c -> {
            if (c == 5) throw new IllegalStateException("chunk 5");
        }));
        assertEquals("chunk 5", e.getMessage());
        int[] sum = new int[1];
        DecodeTeam.run(4, c -> { synchronized (sum) { sum[0] += c; } });
        assertEquals(6, sum[0], "usable after a failure");
    }
}
