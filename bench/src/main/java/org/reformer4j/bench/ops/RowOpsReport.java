package org.reformer4j.bench.ops;

import java.util.Arrays;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;

/**
 * Memory-bound ops against this machine's memory bandwidth, measured in one JVM with each op run right
 * after a copy of the same size (so both see the same machine load): a [4096, 4096] float32 input, 25
 * interleaved repetitions, medians. The op's bandwidth counts its minimal traffic (inputs read once, output
 * written once); the factor is copy bandwidth / op bandwidth (issue target: at most 2).
 * Usage: {@code java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.reformer4j.bench.ops.RowOpsReport}
 */
public final class RowOpsReport {
    private RowOpsReport() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 25;
        String[] names = {"add", "mulScalar", "gelu", "softmax", "layerNorm", "sumRows"};
        double[] bytesPerElement = {12, 8, 8, 8, 8, 4};
        System.out.println("| threads | op | op ms | op GB/s | copy ms | copy GB/s | factor |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            Tensor x = Tensor.randn(new int[] {4096, 4096}, 1, 0, 0, DType.F32, Device.CPU);
            Tensor y = Tensor.randn(new int[] {4096, 4096}, 2, 0, 0, DType.F32, Device.CPU);
            Tensor w = Tensor.ones(4096), b = Tensor.zeros(4096);
            float[] src = x.toFloatArray(), dst = new float[src.length];
            int t = threads;
            Runnable copy = () -> Parallel.forParts(src.length, t, (f, e) -> System.arraycopy(src, f, dst, f, e - f));
            Runnable[] ops = {
                () -> scoped(() -> x.add(y)), () -> scoped(() -> x.mul(1.5)), () -> scoped(x::gelu),
                () -> scoped(() -> x.softmax(-1)), () -> scoped(() -> Functional.layerNorm(x, 1, w, b, 1e-5)),
                () -> scoped(() -> x.sum(1, false))
            };
            for (int i = 0; i < 5; i++) {
                copy.run();
                for (Runnable r : ops) r.run();
            }
            double n = src.length;
            for (int i = 0; i < ops.length; i++) {
                double[] tc = new double[reps], to = new double[reps];
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    copy.run();
                    long t1 = System.nanoTime();
                    ops[i].run();
                    long t2 = System.nanoTime();
                    tc[r] = (t1 - t0) / 1e6;
                    to[r] = (t2 - t1) / 1e6;
                }
                Arrays.sort(tc);
                Arrays.sort(to);
                double mc = tc[reps / 2], mo = to[reps / 2];
                double copyGBs = 8 * n / mc / 1e6, opGBs = bytesPerElement[i] * n / mo / 1e6;
                System.out.printf("| %d | %s | %.2f | %.1f | %.2f | %.1f | %.2f |%n", threads, names[i], mo, opGBs, mc, copyGBs, copyGBs / opGBs);
            }
        }
    }

    private static void scoped(java.util.function.Supplier<Tensor> op) {
        try (var s = Scope.open()) {
            op.get();
        }
    }
}
