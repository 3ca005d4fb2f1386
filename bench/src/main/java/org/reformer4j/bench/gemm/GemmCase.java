package org.reformer4j.bench.gemm;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.Sgemm;

/**
 * One float32 product {@code C[m,n] = op(A) op(B)} set up for both implementations with the same numbers:
 * heap arrays for reformer4j's {@link Sgemm} (a transpose is a pair of strides) and native copies for
 * OpenBLAS's {@code cblas_sgemm} (a transpose is a flag). A and B are stored row-major as [m,k] / [k,n],
 * or as [k,m] / [n,k] when transposed.
 */
public final class GemmCase {
    public final int m, n, k;
    public final boolean transA, transB;
    private final float[] a, b, c;
    private FloatPointer pa, pb, pc;

    public GemmCase(int m, int n, int k, boolean transA, boolean transB, long seed) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.transA = transA;
        this.transB = transB;
        SplittableRandom r = new SplittableRandom(seed);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble() - 0.5f;
    }

    /**
     * The product a runner's argument names: {@code MxNxK} with optional flags {@code :tn} (t: that operand
     * transposed, n: not), operands filled from {@code seed}.
     */
    static GemmCase parse(String shape, long seed) {
        String[] f = shape.split(":");
        String[] d = f[0].split("x");
        String flags = f.length > 1 ? f[1] : "nn";
        if (d.length != 3 || flags.length() != 2) throw new IllegalArgumentException("shape " + shape + " is not MxNxK[:tn]");
        return new GemmCase(Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]),
                flags.charAt(0) == 't', flags.charAt(1) == 't', seed);
    }

    /** A and B as {@link #runReformer} reads them. */
    float[] a() {
        return a;
    }

    float[] b() {
        return b;
    }

    /** Row and column strides of op(A) and op(B) over {@link #a()} and {@link #b()}: {rsA, csA, rsB, csB}. */
    int[] strides() {
        return new int[] {transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1};
    }

    /** Floating-point operations of one product (a multiply and an add per term). */
    public double flops() {
        return 2.0 * m * n * k;
    }

    /** Prepares the implementation: "reformer4j" or "openblas", with the given number of threads. */
    public void setUp(String impl, int threads) {
        switch (impl) {
            case "reformer4j" -> Parallel.setThreads(threads);
            case "openblas" -> {
                OpenBlas.setThreads(threads);
                pa = OpenBlas.copyOf(a);
                pb = OpenBlas.copyOf(b);
                pc = OpenBlas.copyOf(c);
                System.out.println(OpenBlas.describe());
            }
            default -> throw new IllegalArgumentException("unknown GEMM implementation '" + impl
                    + "', expected reformer4j or openblas");
        }
    }

    /** One product with reformer4j's blocked GEMM. */
    public float[] runReformer() {
        int[] s = strides();
        Sgemm.sgemm(m, n, k, 1f, a, 0, s[0], s[1], b, 0, s[2], s[3], 0f, c, 0, n);
        return c;
    }

    /** One product with OpenBLAS. */
    public FloatPointer runOpenBlas() {
        OpenBlas.sgemm(transA, transB, m, n, k, 1f, pa, transA ? m : k, pb, transB ? k : n, 0f, pc, n);
        return pc;
    }

    /** Frees the native buffers. */
    public void close() {
        for (FloatPointer p : new FloatPointer[] {pa, pb, pc}) {
            if (p != null) p.close();
        }
    }
}
