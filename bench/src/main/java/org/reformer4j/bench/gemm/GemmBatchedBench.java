package org.reformer4j.bench.gemm;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
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
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.Sgemm;

/**
 * Attention-sized batches: {@code batch} independent products [64,64] x [64,128] (a chunk of 64 queries
 * against its keys, or attention weights times values, per head and bucket). reformer4j's
 * {@link Sgemm#sgemmBatched} (split over the batch) against a loop of OpenBLAS sgemm calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx2g"})
public class GemmBatchedBench {
    public static final int M = 64, K = 64, N = 128;

    @Param({"96"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    @Param({"reformer4j", "openblas"})
    public String impl;

    private float[] a, b, c;
    private FloatPointer pa, pb, pc;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(3);
        a = new float[batch * M * K];
        b = new float[batch * K * N];
        c = new float[batch * M * N];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble() - 0.5f;
        if (impl.equals("openblas")) {
            OpenBlas.setThreads(threads);
            pa = OpenBlas.copyOf(a);
            pb = OpenBlas.copyOf(b);
            pc = OpenBlas.copyOf(c);
            System.out.println(OpenBlas.describe());
        } else {
            Parallel.setThreads(threads);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (FloatPointer p : new FloatPointer[] {pa, pb, pc}) {
            if (p != null) p.close();
        }
    }

    @Benchmark
    public Object sgemmBatched() {
        if (impl.equals("openblas")) {
            for (int t = 0; t < batch; t++) {
                OpenBlas.sgemm(false, false, M, N, K, 1f, pa.position((long) t * M * K), K,
                        pb.position((long) t * K * N), N, 0f, pc.position((long) t * M * N), N);
            }
            return pc.position(0);
        }
        Sgemm.sgemmBatched(batch, M, N, K, 1f, a, 0, (long) M * K, K, 1, b, 0, (long) K * N, N, 1,
                0f, c, 0, (long) M * N, N);
        return c;
    }
}
