package org.reformer4j.bench.peak;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.bench.gemm.GemmReport;

/**
 * The machine's float32 FMA peak as the JVM reaches it: each thread runs 24 independent chains of vector fused
 * multiply-adds (the widest species, no memory traffic), so the figure is what the FMA units give a Java loop,
 * the ceiling of any GEMM on the machine. Medians of {@code --rounds} timed rounds per thread count, after a
 * warm-up that has C2 compile the loop.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.reformer4j.bench.peak.FmaPeak [--threads 1,2] [--rounds 7] [--millis 300]
 * </pre>
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floating-point operations per loop trip: 24 FMAs of S.length() lanes, 2 operations each. */
    static final long FLOPS_PER_TRIP = 24L * 2 * S.length();

    /** Where the chains' sums go, so that the JIT keeps the loops. */
    private static volatile float sink;

    private FmaPeak() {}

    /** Runs {@code trips} trips of 24 independent FMA chains; returns their sum (kept so the loop is not dead code). */
    static float chains(long trips, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), x = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        FloatVector c16 = c0, c17 = c0, c18 = c0, c19 = c0, c20 = c0, c21 = c0, c22 = c0, c23 = c0;
        for (long i = 0; i < trips; i++) {
            c0 = c0.fma(m, x); c1 = c1.fma(m, x); c2 = c2.fma(m, x); c3 = c3.fma(m, x);
            c4 = c4.fma(m, x); c5 = c5.fma(m, x); c6 = c6.fma(m, x); c7 = c7.fma(m, x);
            c8 = c8.fma(m, x); c9 = c9.fma(m, x); c10 = c10.fma(m, x); c11 = c11.fma(m, x);
            c12 = c12.fma(m, x); c13 = c13.fma(m, x); c14 = c14.fma(m, x); c15 = c15.fma(m, x);
            c16 = c16.fma(m, x); c17 = c17.fma(m, x); c18 = c18.fma(m, x); c19 = c19.fma(m, x);
            c20 = c20.fma(m, x); c21 = c21.fma(m, x); c22 = c22.fma(m, x); c23 = c23.fma(m, x);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).add(c16).add(c17).add(c18).add(c19).add(c20).add(c21).add(c22).add(c23);
        return s.reduceLanes(VectorOperators.ADD);
    }

    /** GFLOP/s of {@code threads} threads each running {@code trips} trips at once (timed from a common start). */
    static double round(int threads, long trips) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads), go = new CountDownLatch(1), done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                sink = chains(trips, id);
                done.countDown();
            });
            th.setDaemon(true);
            th.start();
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        done.await();
        double s = (System.nanoTime() - t0) / 1e9;
        return threads * trips * FLOPS_PER_TRIP / s / 1e9;
    }

    public static void main(String[] args) throws InterruptedException {
        int[] threads = {1, 2};
        int rounds = 7;
        long millis = 300;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--millis" -> millis = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("FmaPeak: unknown argument " + args[i]
                        + " (known: --threads 1,2 --rounds 7 --millis 300)");
            }
        }
        if (rounds < 1 || millis < 1) throw new IllegalArgumentException("FmaPeak: --rounds and --millis must be >= 1");
        // warm-up: many short calls, so that C2 compiles chains() as a whole (not only an OSR loop)
        for (int i = 0; i < 2000; i++) sink = chains(2000, i);
        // trips for ~millis on one thread, from a compiled calibration run
        long t0 = System.nanoTime();
        sink = chains(2_000_000, 1);
        double nsPerTrip = (System.nanoTime() - t0) / 2e6;
        long trips = Math.max(1000, (long) (millis * 1e6 / nsPerTrip));
        System.out.println("CPU: " + GemmReport.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " processors, "
                + S.length() + " float lanes");
        for (int n : threads) {
            double[] s = new double[rounds];
            for (int r = 0; r < rounds; r++) s[r] = round(n, trips);
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "threads %d: median %.1f GFLOP/s (min %.1f, max %.1f, %d rounds)%n", n, s[s.length / 2], s[0],
                    s[s.length - 1], rounds);
        }
    }
}
