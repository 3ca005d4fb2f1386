package org.reformer4j.bench.gemm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Interleaved comparison for a shared, noisy machine: reformer4j and OpenBLAS take turns on the same
 * operands in one JVM, round after round, so both see the same background load; prints best and median
 * GFLOP/s of each and the ratio of medians. On 1 thread it also times by the thread's CPU time, which
 * does not count the time another process held the core. JMH ({@link GemmSquareBench}) remains the
 * record; this is the cross-check. On 2 threads start the JVM with {@code OPENBLAS_THREAD_TIMEOUT=4}
 * so OpenBLAS's idle workers sleep instead of spinning through reformer4j's turns.
 * Usage: {@code GemmCompare THREADS ROUNDS SHAPE...}, SHAPE = {@code MxNxK} with optional {@code :tn}
 * style transpose flags for A and B, e.g. {@code 1024x1024x1024 1016x128x21128:nt}.
 */
public final class GemmCompare {
    private GemmCompare() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: GemmCompare THREADS ROUNDS MxNxK[:tn]...");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[0]), rounds = Integer.parseInt(args[1]);
        System.out.println("CPU: " + GemmReport.cpuModel() + ", threads " + threads + ", rounds " + rounds);
        if (threads > 1 && System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            System.out.println("warning: OPENBLAS_THREAD_TIMEOUT is not set: OpenBLAS's idle workers spin through "
                    + "reformer4j's turns and take a core from it (start with OPENBLAS_THREAD_TIMEOUT=4)");
        }
        for (int s = 2; s < args.length; s++) {
            GemmCase ours = GemmCase.parse(args[s], 11);
            GemmCase blas = new GemmCase(ours.m, ours.n, ours.k, ours.transA, ours.transB, 11);
            ours.setUp("reformer4j", threads);
            blas.setUp("openblas", threads);
            compare(args[s], ours, blas, threads, rounds);
            blas.close();
        }
    }

    private static void compare(String name, GemmCase ours, GemmCase blas, int threads, int rounds) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int reps = (int) Math.max(1, 4e8 / ours.flops());
        List<double[]> wall = List.of(new double[rounds], new double[rounds]);
        List<double[]> cpu = List.of(new double[rounds], new double[rounds]);
        // warm-up: until each side has run 3 s (at least three rounds), so that C2 has compiled the kernels;
        // before that the Vector API runs interpreted and boxed, 5-50x slower
        long warmUntil = System.nanoTime() + 6_000_000_000L;
        for (int r = -3; r < rounds; r++) {
            if (r == -1 && System.nanoTime() < warmUntil) r = -2;
            for (int impl = 0; impl < 2; impl++) {
                long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) {
                    if (impl == 0) ours.runReformer();
                    else blas.runOpenBlas();
                }
                long w1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
                if (r >= 0) {
                    wall.get(impl)[r] = ours.flops() * reps / (w1 - w0);
                    cpu.get(impl)[r] = ours.flops() * reps / (c1 - c0);
                }
            }
        }
        List<String> cells = new ArrayList<>();
        cells.add(String.format(Locale.ROOT, "%s wall: reformer4j %s, OpenBLAS %s, ratio of medians %.2f", name,
                stats(wall.get(0)), stats(wall.get(1)), median(wall.get(0)) / median(wall.get(1))));
        if (threads == 1) {
            cells.add(String.format(Locale.ROOT, "%s cpu:  reformer4j %s, OpenBLAS %s, ratio of medians %.2f",
                    name, stats(cpu.get(0)), stats(cpu.get(1)), median(cpu.get(0)) / median(cpu.get(1))));
        }
        cells.forEach(System.out::println);
    }

    private static String stats(double[] x) {
        return String.format(Locale.ROOT, "median %.1f best %.1f GFLOP/s", median(x), Arrays.stream(x).max().orElse(0));
    }

    /** The median (the mean of the middle two for an even count); GemmAB's too. */
    static double median(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return y.length % 2 == 1 ? y[y.length / 2] : (y[y.length / 2 - 1] + y[y.length / 2]) / 2;
    }
}
