package org.reformer4j.bench.gemm;

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

/**
 * Square float32 GEMM {@code C[n,n] = A[n,n] B[n,n]}: reformer4j's blocked Vector API GEMM against
 * OpenBLAS's sgemm, on 1 and 2 threads. Each (size, threads, impl) runs in its own fork, so OpenBLAS's
 * spinning worker threads never share a JVM with ours. {@link GemmReport} turns the JSON result into
 * GFLOP/s and ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class GemmSquareBench {
    @Param({"256", "512", "1024", "2048"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    @Param({"reformer4j", "openblas"})
    public String impl;

    private GemmCase gemm;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = new GemmCase(size, size, size, false, false, 42);
        gemm.setUp(impl, threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gemm.close();
    }

    @Benchmark
    public Object sgemm() {
        return impl.equals("openblas") ? gemm.runOpenBlas() : gemm.runReformer();
    }
}
