package org.reformer4j.core.optim;

/**
 * Learning-rate multipliers as pure functions of the step, as HuggingFace transformers'
 * {@code get_constant_schedule(_with_warmup)}, {@code get_linear_schedule_with_warmup},
 * {@code get_cosine_schedule_with_warmup} and {@code get_cosine_with_min_lr_schedule_with_warmup}
 * (torch {@code LambdaLR} lambdas). The learning rate of optimizer step t (t = 0 for the first step, i.e.
 * the number of steps already taken, as with {@code optimizer.step(); scheduler.step()}) is
 * {@code baseLr * multiplier(t)}, computed in float64. With W warm-up steps and T total steps:
 * <pre>
 *   warm-up (t &lt; W):  t / max(1, W)                                   (all schedules but constant)
 *   constant:         1
 *   linear:           max(0, (T - t) / max(1, T - W))
 *   cosine:           p = (t - W) / max(1, T - W);  c = 0.5 (1 + cos(pi * 2 * cycles * p));
 *                     max(0, c * (1 - minRatio) + minRatio)             (cycles = 0.5, minRatio = 0 by default)
 * </pre>
 * As in transformers, the cosine formula is not clamped past T (with cycles = 0.5 it rises again).
 */
public interface LrSchedule {

    /** Multiplier of the base learning rate at optimizer step {@code step} (>= 0). */
    double multiplier(long step);

    /** {@code baseLr * multiplier(step)}. */
    default double lr(double baseLr, long step) {
        return baseLr * multiplier(step);
    }

    /** Always 1 ({@code get_constant_schedule}). */
    static LrSchedule constant() {
        return new Constant(0);
    }

    /** Linear warm-up from 0 over {@code warmup} steps, then 1 ({@code get_constant_schedule_with_warmup}). */
    static LrSchedule constantWithWarmup(long warmup) {
        return new Constant(checkWarmup(warmup, Long.MAX_VALUE));
    }

    /** Warm-up, then linear decay to 0 at {@code total} ({@code get_linear_schedule_with_warmup}). */
    static LrSchedule linearWithWarmup(long warmup, long total) {
        return new Linear(checkWarmup(warmup, total), total);
    }

    /** Warm-up, then half a cosine down to 0 at {@code total} ({@code get_cosine_schedule_with_warmup}). */
    static LrSchedule cosineWithWarmup(long warmup, long total) {
        return cosineWithWarmup(warmup, total, 0.5, 0.0);
    }

    /**
     * Warm-up, then {@code cycles} cosine periods over [W, T] floored at {@code minRatio}
     * ({@code get_cosine_with_min_lr_schedule_with_warmup} with {@code min_lr_rate = minRatio}).
     */
    static LrSchedule cosineWithWarmup(long warmup, long total, double cycles, double minRatio) {
        if (!(cycles > 0) || !Double.isFinite(cycles)) {
            throw new IllegalArgumentException("LrSchedule.cosine: cycles must be > 0, got " + cycles);
        }
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("LrSchedule.cosine: minRatio must be in [0, 1], got " + minRatio);
        }
        return new Cosine(checkWarmup(warmup, total), total, cycles, minRatio);
    }

    private static long checkWarmup(long warmup, long total) {
        if (warmup < 0) throw new IllegalArgumentException("LrSchedule: warm-up steps must be >= 0, got " + warmup);
        if (total < 1) throw new IllegalArgumentException("LrSchedule: total steps must be >= 1, got " + total);
        if (warmup > total) {
            throw new IllegalArgumentException("LrSchedule: warm-up (" + warmup + ") exceeds total steps (" + total + ")");
        }
        return warmup;
    }

    private static void checkStep(long step) {
        if (step < 0) throw new IllegalArgumentException("LrSchedule: step must be >= 0, got " + step);
    }

    private static double warmupRamp(long step, long warmup) {
        return (double) step / Math.max(1, warmup);
    }

    /** Constant after an optional warm-up. */
    record Constant(long warmup) implements LrSchedule {
        @Override
        public double multiplier(long step) {
            checkStep(step);
            return step < warmup ? warmupRamp(step, warmup) : 1.0;
        }
    }

    /** Warm-up then linear decay to 0 at total. */
    record Linear(long warmup, long total) implements LrSchedule {
        @Override
        public double multiplier(long step) {
            checkStep(step);
            if (step < warmup) return warmupRamp(step, warmup);
            return Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
        }
    }

    /** Warm-up then cosine decay. */
    record Cosine(long warmup, long total, double cycles, double minRatio) implements LrSchedule {
        @Override
        public double multiplier(long step) {
            checkStep(step);
            if (step < warmup) return warmupRamp(step, warmup);
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            double c = 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress));
            return Math.max(0.0, c * (1.0 - minRatio) + minRatio);
        }
    }
}
