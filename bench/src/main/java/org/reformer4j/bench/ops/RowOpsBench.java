package org.reformer4j.bench.ops;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;

/**
 * Memory-bound tensor ops against a plain copy of the same bytes, in one run: a [4096, 4096] float32
 * input (64 MiB, past the caches), each op called through the public Tensor API inside a
 * {@link org.reformer4j.core.Scope} (so output buffers are recycled, as in a training step). An op that
 * reads its input once and writes its output once moves the bytes of one copy: time(op) / time(copy)
 * is the factor off the machine's memory bandwidth (target: at most 2).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class RowOpsBench {
    @Param({"copy", "add", "mulScalar", "gelu", "softmax", "layerNorm", "sumRows"})
    public String op;

    @Param({"1", "2"})
    public int threads;

    private Tensor x, y, w, b;
    private float[] src, dst;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        x = Tensor.randn(new int[] {4096, 4096}, 1, 0, 0, org.reformer4j.core.DType.F32, org.reformer4j.core.Device.CPU);
        y = Tensor.randn(new int[] {4096, 4096}, 2, 0, 0, org.reformer4j.core.DType.F32, org.reformer4j.core.Device.CPU);
        w = Tensor.ones(4096);
        b = Tensor.zeros(4096);
        src = x.toFloatArray();
        dst = new float[src.length];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Benchmark
    public Object run() {
        try (var s = org.reformer4j.core.Scope.open()) {
            Tensor out = switch (op) {
                case "copy" -> {
                    Parallel.forParts(src.length, threads, (from, to) -> System.arraycopy(src, from, dst, from, to - from));
                    yield null;
                }
                case "add" -> x.add(y);
                case "mulScalar" -> x.mul(1.5);
                case "gelu" -> x.gelu();
                case "softmax" -> x.softmax(-1);
                case "layerNorm" -> Functional.layerNorm(x, 1, w, b, 1e-5);
                case "sumRows" -> x.sum(1, false);
                default -> throw new IllegalArgumentException(op);
            };
            return out == null ? dst : out.storage();
        }
    }
}
