package org.reformer4j.bench.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;

/**
 * Memory-bound ops against this machine's memory bandwidth, measured in one JVM with each op run right
 * after a copy of the same size (so both see the same machine load): [4096, 4096] float32 inputs, 25
 * interleaved repetitions, medians. The op's bandwidth counts its minimal traffic (inputs read once, output
 * written once: 4 bytes a float element, 1 a bool); the factor is copy bandwidth / op bandwidth (issue target:
 * at most 2). The copy is System.arraycopy from compiled code (its copy stub), split over the threads as the ops are. Covers the elementwise family (arithmetic, the transcendental unary ops, clamp, powers,
 * comparisons, where and masked_fill), softmax, log-softmax, layer norm and row sums; {@code pow1.5} is a
 * general exponent, which runs through Math.pow.
 * Usage: {@code java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.reformer4j.bench.ops.RowOpsReport [reps] [op,op,...|all] [warm-up rounds, 15]}
 */
public final class RowOpsReport {
    private RowOpsReport() {}

    private record Op(String name, double bytesPerElement, Supplier<Tensor> run) {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 25;
        java.util.Set<String> only = args.length > 1 && !args[1].equals("all") ? java.util.Set.of(args[1].split(",")) : null;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        System.out.println("| threads | op | op ms | op GB/s | copy ms | copy GB/s | factor |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            Tensor x = Tensor.randn(new int[] {4096, 4096}, 1, 0, 0, DType.F32, Device.CPU);
            Tensor y = Tensor.randn(new int[] {4096, 4096}, 2, 0, 0, DType.F32, Device.CPU);
            Tensor pos = x.abs().add(0.5), mask = x.gt(y);
            Tensor w = Tensor.ones(4096), b = Tensor.zeros(4096);
            float[] src = x.toFloatArray(), dst = new float[src.length];
            int t = threads;
            Parallel.Range copyPart = (f, e) -> System.arraycopy(src, f, dst, f, e - f);
            // compile the copy body first: called only once per part and repetition, it would otherwise run
            // interpreted for most of the run, where System.arraycopy takes the runtime's generic copy, slower
            // than the compiled code's copy stub (the copy then sped up about halfway through the op list)
            for (int i = 0; i < 50_000; i++) copyPart.run(i & 1023, (i & 1023) + 64);
            Runnable copy = () -> Parallel.forParts(src.length, t, copyPart);
            List<Op> ops = new ArrayList<>(List.of(
                new Op("add", 12, () -> x.add(y)), new Op("sub", 12, () -> x.sub(y)), new Op("mul", 12, () -> x.mul(y)),
                new Op("div", 12, () -> x.div(pos)), new Op("mulScalar", 8, () -> x.mul(1.5)), new Op("neg", 8, x::neg),
                new Op("abs", 8, x::abs), new Op("relu", 8, x::relu), new Op("leakyRelu", 8, () -> x.leakyRelu(0.1)),
                new Op("clamp", 8, () -> x.clamp(-0.5, 0.5)), new Op("exp", 8, x::exp), new Op("log", 8, pos::log),
                new Op("sqrt", 8, pos::sqrt), new Op("rsqrt", 8, pos::rsqrt), new Op("tanh", 8, x::tanh), new Op("sigmoid", 8, x::sigmoid),
                new Op("gelu", 8, x::gelu), new Op("geluTanh", 8, x::geluTanh), new Op("pow2", 8, () -> x.pow(2)),
                new Op("pow1.5", 8, () -> pos.pow(1.5)), new Op("gt", 9, () -> x.gt(y)), new Op("where", 13, () -> Tensor.where(mask, x, y)),
                new Op("maskedFill", 9, () -> x.maskedFill(mask, 0.0)), new Op("softmax", 8, () -> x.softmax(-1)),
                new Op("logSoftmax", 8, () -> x.logSoftmax(-1)), new Op("layerNorm", 8, () -> Functional.layerNorm(x, 1, w, b, 1e-5)),
                new Op("sumRows", 4, () -> x.sum(1, false))));
            if (only != null) ops.removeIf(o -> !only.contains(o.name()));
            // warm-up rounds: the two-thread pass calls the ops' row loops from the pool's parts, a call path C2
            // compiles anew; after 3 rounds layer norm still ran partly unoptimised there (2.4-3.2x the copy in 15
            // repetitions, 1.9x in 60), after 15 its figure is that of a long run
            for (int i = 0; i < warmup; i++) {
                copy.run();
                for (Op o : ops) scoped(o.run());
            }
            double n = src.length;
            for (Op o : ops) {
                double[] tc = new double[reps], to = new double[reps];
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    copy.run();
                    long t1 = System.nanoTime();
                    scoped(o.run());
                    long t2 = System.nanoTime();
                    tc[r] = (t1 - t0) / 1e6;
                    to[r] = (t2 - t1) / 1e6;
                }
                Arrays.sort(tc);
                Arrays.sort(to);
                double mc = tc[reps / 2], mo = to[reps / 2];
                double copyGBs = 8 * n / mc / 1e6, opGBs = o.bytesPerElement() * n / mo / 1e6;
                System.out.printf("| %d | %s | %.2f | %.1f | %.2f | %.1f | %.2f |%n", threads, o.name(), mo, opGBs, mc, copyGBs, copyGBs / opGBs);
            }
        }
    }

    private static void scoped(Supplier<Tensor> op) {
        try (var s = Scope.open()) {
            op.get();
        }
    }
}
