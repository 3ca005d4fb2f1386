package org.reformer4j.bench.model;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.model.attention.FullQkAttention;

/**
 * One seed-model layer's full attention (qk, v [64 = 8 batch x 8 heads, 128, 64], causal, dropout 0.1, float32):
 * the fused op ({@code FullQkAttention.attend}) against the unfused graph ({@code FullQkAttention.forward} with
 * {@code Functional.dropout}), forward + backward of sum(out * w), or forward alone under no-grad, alternating
 * round by round in this JVM; the calling thread's CPU time per call (one CPU thread by default), medians.
 * Run: java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar
 *     org.reformer4j.bench.model.FullAttentionBench [threads=1] [rounds=12] [callsPerRound=5] [forwardOnly=false]
 */
public final class FullAttentionBench {
    private FullAttentionBench() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean forwardOnly = args.length > 3 && Boolean.parseBoolean(args[3]);
        Parallel.setThreads(threads);
        int n = 64, t = 128, len = 128, dh = 64;
        double rate = 0.1;
        long seed = 5, stream = 6, counter = 100;
        Tensor qk0 = Tensor.rand(new int[] {n, len, dh}, 1, 2, 0, DType.F32, Device.CPU).sub(0.5).detach();
        Tensor v0 = Tensor.rand(new int[] {n, len, dh}, 1, 3, 0, DType.F32, Device.CPU).sub(0.5).detach();
        Tensor w = Tensor.rand(new int[] {n, t, dh}, 1, 4, 0, DType.F32, Device.CPU);
        var bean = ManagementFactory.getThreadMXBean();
        double[][] ms = new double[2][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int fused = 0; fused < 2; fused++) {
                long c0 = bean.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    try (var sc = Scope.open(); var ng = forwardOnly ? GradMode.noGrad() : null) {
                        Tensor qk = forwardOnly ? qk0 : qk0.detach().requiresGrad(true), v = forwardOnly ? v0 : v0.detach().requiresGrad(true);
                        Tensor out = fused == 1
                                ? FullQkAttention.attend(qk, v, t, null, true, new FullQkAttention.Dropout(rate, seed, stream, b -> counter))
                                : FullQkAttention.forward(qk, v, t, null, true, p -> Functional.dropout(p, rate, seed, stream, counter));
                        if (!forwardOnly) out.mul(w).sum().backward();
                    }
                }
                ms[fused][round] = (bean.getCurrentThreadCpuTime() - c0) / 1e6 / calls;
            }
        }
        for (int fused = 0; fused < 2; fused++) {
            double[] s = ms[fused].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-8s %s, %d thread(s): median %.2f ms per call (calling thread's CPU time), rounds %s%n",
                    fused == 1 ? "fused" : "unfused", forwardOnly ? "forward" : "forward+backward", threads, s[rounds / 2],
                    Arrays.toString(Arrays.stream(ms[fused]).map(x -> Math.round(x * 10) / 10.0).toArray()));
        }
        System.out.println("load average " + loadAverage());
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
