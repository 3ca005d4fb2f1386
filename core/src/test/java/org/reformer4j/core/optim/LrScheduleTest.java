package org.reformer4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The schedules at hand-computed points of transformers' definitions (W warm-up, T total steps). */
class LrScheduleTest {
    private static final double EPS = 1e-15;

    @Test
    void constant() {
        assertEquals(1.0, LrSchedule.constant().multiplier(0));
        assertEquals(1.0, LrSchedule.constant().multiplier(1_000_000));
        LrSchedule w = LrSchedule.constantWithWarmup(4);
        assertEquals(0.0, w.multiplier(0));
        assertEquals(0.25, w.multiplier(1));
        assertEquals(0.75, w.multiplier(3));
        assertEquals(1.0, w.multiplier(4));
        assertEquals(1.0, w.multiplier(400));
        assertEquals(3e-4, w.lr(4e-4, 3), 1e-19);
    }

    @Test
    void linearWarmupThenDecay() {
        LrSchedule s = LrSchedule.linearWithWarmup(10, 110);
        assertEquals(0.0, s.multiplier(0));
        assertEquals(0.5, s.multiplier(5));
        assertEquals(1.0, s.multiplier(10));
        assertEquals(0.5, s.multiplier(60));
        assertEquals(0.01, s.multiplier(109), EPS);
        assertEquals(0.0, s.multiplier(110));
        assertEquals(0.0, s.multiplier(500), "clamped at 0");
        assertEquals(1.0, LrSchedule.linearWithWarmup(0, 1).multiplier(0));
    }

    @Test
    void cosineWarmupThenHalfPeriod() {
        LrSchedule s = LrSchedule.cosineWithWarmup(100, 1100);
        assertEquals(0.01, s.multiplier(1), EPS);
        assertEquals(1.0, s.multiplier(100));
        assertEquals(0.5, s.multiplier(600), EPS);                              // cos(pi/2) = 0
        assertEquals(0.5 * (1 + Math.sqrt(0.5)), s.multiplier(350), EPS);      // cos(pi/4)
        assertEquals(0.5 * (1 - Math.sqrt(0.5)), s.multiplier(850), EPS);      // cos(3pi/4)
        assertEquals(0.0, s.multiplier(1100), EPS);
        assertEquals(0.5, s.multiplier(1600), EPS, "as transformers: not clamped past T");
        LrSchedule floor = LrSchedule.cosineWithWarmup(0, 100, 0.5, 0.1);
        assertEquals(1.0, floor.multiplier(0), EPS);
        assertEquals(0.55, floor.multiplier(50), EPS);
        assertEquals(0.1, floor.multiplier(100), EPS);
        LrSchedule two = LrSchedule.cosineWithWarmup(0, 100, 2, 0);             // two full periods
        assertEquals(1.0, two.multiplier(50), EPS);
        assertEquals(0.0, two.multiplier(25), EPS);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linearWithWarmup(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linearWithWarmup(20, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosineWithWarmup(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosineWithWarmup(0, 10, 0.5, 2));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant().multiplier(-1));
    }
}
