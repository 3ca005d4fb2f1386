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
 * The seed model's vocabulary projection, X[M=1016, K=128] W[K, N=21128] (8 sequences x 127 tokens into
 * bert-base-chinese's 21128 ids), in the three layouts training needs:
 * forward {@code Y = X W} ([M,K] x [K,N]); input gradient {@code dX = dY W^T} ([M,N] x [N,K] through
 * W's strides); weight gradient {@code dW = X^T dY} ([K,M] x [M,N] through X's strides).
 * reformer4j against OpenBLAS (transpose flags), 1 and 2 threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class GemmVocabBench {
    public static final int M = 1016, K = 128, N = 21128;

    @Param({"forward", "dX", "dW"})
    public String layout;

    @Param({"1", "2"})
    public int threads;

    @Param({"reformer4j", "openblas"})
    public String impl;

    private GemmCase gemm;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = switch (layout) {
            case "forward" -> new GemmCase(M, N, K, false, false, 7);
            case "dX" -> new GemmCase(M, K, N, false, true, 7);
            case "dW" -> new GemmCase(K, N, M, true, false, 7);
            default -> throw new IllegalArgumentException("unknown layout " + layout);
        };
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
