package org.reformer4j.bench.memory;

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
import org.openjdk.jmh.annotations.Warmup;
import org.reformer4j.core.cpu.Parallel;

/**
 * Memory bandwidth: copy 64M floats (256 MiB) into another array on 1 and 2 threads. GB/s = 8 bytes per
 * float (read + write) / time; {@link org.reformer4j.bench.gemm.GemmReport} prints it. Memory-bound
 * kernels are rated against this figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class CopyBench {
    @Param({"67108864"})
    public int floats;

    @Param({"1", "2"})
    public int threads;

    private float[] src, dst;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        src = new float[floats];
        dst = new float[floats];
        java.util.Arrays.fill(src, 1f);
    }

    @Benchmark
    public float[] copy() {
        Bandwidth.copy(src, dst, threads);
        return dst;
    }
}
