package org.reformer4j.bench.gemm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of core's float32 GEMM against each other in one JVM, for a researcher who changed a kernel on a machine
 * whose speed drifts between minutes (separate runs of the same build differed by 40% here): each build's classes
 * are loaded by their own class loader, the two take turns on the same operands, A B B A round after round, and the
 * ratio of their medians is printed with each side's spread (on 1 thread also by thread CPU time). The results of
 * both are compared too: a changed kernel that computes something else is reported, not timed.
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.reformer4j.bench.gemm.GemmAB \
 *     --a /tmp/old-core.jar --b core/target/classes [--threads 1] [--rounds 12] [--warm-seconds 6] 1016x512x128:nt ...
 * </pre>
 * {@code --a} and {@code --b}: a directory of classes or a jar holding {@code org/reformer4j/core} (an older
 * {@code benchmarks.jar} will do). Shapes as in {@link GemmCompare}: {@code MxNxK} with optional {@code :tn} flags.
 */
public final class GemmAB {
    private GemmAB() {}

    /** One build's {@code Sgemm.sgemm} and {@code Parallel.setThreads}, and the class loader that holds them. */
    record Build(String name, ClassLoader loader, MethodHandle sgemm, MethodHandle setThreads) {
        static Build load(String path) throws Exception {
            Path p = Path.of(path);
            if (!Files.exists(p)) throw new IllegalArgumentException("GemmAB: no such jar or directory: " + path);
            URL url = p.toUri().toURL();
            // parent: the platform loader, so that core comes from this path and not from the benchmark's class path
            URLClassLoader loader = new URLClassLoader("core@" + path, new URL[] {url}, ClassLoader.getPlatformClassLoader());
            Class<?> sgemm, parallel;
            try {
                sgemm = loader.loadClass("org.reformer4j.core.cpu.Sgemm");
                parallel = loader.loadClass("org.reformer4j.core.cpu.Parallel");
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("GemmAB: " + path + " holds no org.reformer4j.core.cpu.Sgemm", e);
            }
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodType type = MethodType.methodType(void.class, int.class, int.class, int.class, float.class, float[].class,
                    int.class, int.class, int.class, float[].class, int.class, int.class, int.class, float.class, float[].class,
                    int.class, int.class);
            return new Build(path, loader, lookup.findStatic(sgemm, "sgemm", type),
                    lookup.findStatic(parallel, "setThreads", MethodType.methodType(void.class, int.class)));
        }

        /** The product of g's operands (with g's strides) into c, by this build. */
        void run(GemmCase g, int[] st, float[] c) throws Throwable {
            sgemm.invokeExact(g.m, g.n, g.k, 1f, g.a(), 0, st[0], st[1], g.b(), 0, st[2], st[3], 0f, c, 0, g.n);
        }
    }

    public static void main(String[] args) throws Throwable {
        String a = null, b = null;
        int threads = 1, rounds = 12;
        double warm = 6;
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--a" -> a = args[++i];
                case "--b" -> b = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warm-seconds" -> warm = Double.parseDouble(args[++i]);
                default -> shapes.add(args[i]);
            }
        }
        if (a == null || b == null || shapes.isEmpty() || rounds < 2 || threads < 1) {
            System.err.println("usage: GemmAB --a OLD --b NEW [--threads N] [--rounds R >= 2] MxNxK[:tn]...");
            System.exit(2);
        }
        Build[] builds = {Build.load(a), Build.load(b)};
        for (Build x : builds) x.setThreads.invokeExact(threads);
        System.out.println("CPU: " + GemmReport.cpuModel() + ", threads " + threads + ", rounds " + rounds
                + "\nA = " + a + "\nB = " + b);
        for (String s : shapes) compare(s, builds, threads, rounds, warm);
    }

    /** Medians of GFLOP/s (wall) of A and B on one shape, and the largest difference of their results relative to A's largest. */
    record Result(double a, double b, double relativeDifference) {}

    static Result compare(String shape, Build[] builds, int threads, int rounds, double warmSeconds) throws Throwable {
        GemmCase g;
        try {
            g = GemmCase.parse(shape, 11);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GemmAB: " + e.getMessage(), e);
        }
        int[] st = g.strides();
        float[][] c = {new float[g.m * g.n], new float[g.m * g.n]};
        double flops = g.flops();
        int reps = (int) Math.max(1, 4e8 / flops);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] wall = new double[2][rounds], cpu = new double[2][rounds];
        // warm-up: at least 3 s per build and three rounds (C2 compiles the kernels; the Vector API runs boxed before)
        long warmUntil = System.nanoTime() + (long) (warmSeconds * 1e9);
        for (int round = -3; round < rounds; round++) {
            if (round == -1 && System.nanoTime() < warmUntil) round = -2;
            for (int turn = 0; turn < 2; turn++) {
                int v = (round & 1) == 0 ? turn : 1 - turn; // A B, then B A: a drift within a round favours neither
                long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) builds[v].run(g, st, c[v]);
                long w1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
                if (round >= 0) {
                    wall[v][round] = flops * reps / (w1 - w0);
                    cpu[v][round] = flops * reps / (c1 - c0);
                }
            }
        }
        double diff = 0, scale = 1e-30;
        for (int i = 0; i < c[0].length; i++) {
            diff = Math.max(diff, Math.abs(c[0][i] - c[1][i]));
            scale = Math.max(scale, Math.abs(c[0][i]));
        }
        String same = diff == 0 ? "same bits" : String.format(Locale.ROOT, "results differ by %.2e relative", diff / scale);
        System.out.printf(Locale.ROOT, "%s wall: A %s, B %s, B/A %.2f (%s)%n", shape, stats(wall[0]), stats(wall[1]),
                GemmCompare.median(wall[1]) / GemmCompare.median(wall[0]), same);
        if (threads == 1) {
            System.out.printf(Locale.ROOT, "%s cpu:  A %s, B %s, B/A %.2f%n", shape, stats(cpu[0]), stats(cpu[1]),
                    GemmCompare.median(cpu[1]) / GemmCompare.median(cpu[0]));
        }
        if (diff > 1e-4 * scale) System.out.println("warning: " + shape + ": A and B compute different products");
        return new Result(GemmCompare.median(wall[0]), GemmCompare.median(wall[1]), diff / scale);
    }

    private static String stats(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return String.format(Locale.ROOT, "median %.1f [%.1f-%.1f] GFLOP/s", GemmCompare.median(x), y[0], y[y.length - 1]);
    }
}
