package org.reformer4j.core.cpu;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * General matrix multiply on the CPU, the BLAS {@code sgemm}/{@code dgemm} contract with general strides:
 * {@code C = alpha * op(A) op(B) + beta * C}, op(A) of shape [m,k] read as {@code a[aOff + i*rsA + p*csA]},
 * op(B) of shape [k,n] read as {@code b[bOff + p*rsB + j*csB]}, C row-major with leading dimension ldc.
 * Transposes are strides (no copies). float32 runs the cache-blocked {@link SgemmBlocked} with the Vector
 * API micro-kernel when present; float64 ({@link Dgemm}) serves gradient checks. Threads come from
 * {@link Parallel}: one product is split into row or column stripes, a batch of small ones over the batch.
 */
public final class Sgemm {
    /**
     * A product of at most this many multiply-adds runs unblocked on the caller (packing would not pay), each sum as
     * separate multiplies and adds; a larger one sums each element over k in the same order with fused multiply-adds
     * whatever its plan. So a caller that splits a product into parts keeps its bits only if the whole and every part
     * are on the same side of this bound.
     */
    public static final long DIRECT_MACS = 4096;
    /** Below this many multiply-adds a product stays on one thread. */
    static final long PARALLEL_MACS = 1L << 18;
    /** A batch whose products are below this many multiply-adds is split over the batch. */
    static final long BATCH_SPLIT_MACS = 1L << 24;

    /**
     * Whether float32 products add their floating-point operations (2 m n k each) to {@link #countedFlops}: the
     * system property {@code reformer4j.sgemm.count} (a benchmark's view of how much of a step is GEMM work).
     */
    private static final boolean COUNT = Boolean.getBoolean("reformer4j.sgemm.count");
    private static final LongAdder FLOPS = new LongAdder();
    /**
     * With the system property {@code reformer4j.sgemm.shapes} set: per product shape (m x n x k, A and B layouts,
     * threads) the calls, operations and nanoseconds, printed to stderr at exit, most time first (a diagnostic: two
     * clock reads per product).
     */
    private static final ConcurrentHashMap<String, long[]> SHAPES =
            System.getProperty("reformer4j.sgemm.shapes") == null ? null : shapeTable();

    private Sgemm() {}

    private static ConcurrentHashMap<String, long[]> shapeTable() {
        var t = new ConcurrentHashMap<String, long[]>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long all = t.values().stream().mapToLong(v -> v[2]).sum();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "sgemm shapes (m x n x k, A and B: n = row-major, t = transposed; leading dimensions of A, B, C): %.3f s in all%n", all / 1e9));
            t.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[2], x.getValue()[2])).forEach(e -> {
                long[] v = e.getValue();
                sb.append(String.format(Locale.ROOT, "  %-48s calls %8d  %9.3f GFLOP  %8.3f s  %6.1f GFLOP/s  %5.1f%%%n",
                        e.getKey(), v[0], v[1] / 1e9, v[2] / 1e9, v[1] / Math.max(1.0, v[2]), 100.0 * v[2] / Math.max(1, all)));
            });
            System.err.print(sb);
        }));
        return t;
    }

    /**
     * Empties the per-shape table of {@code reformer4j.sgemm.shapes} (a benchmark calls it when its warm-up ends: the
     * first calls of each shape run before the JIT has compiled the kernels, and would count in the table's rates).
     */
    public static void resetShapes() {
        if (SHAPES != null) SHAPES.clear();
    }

    /**
     * The floating-point operations (2 m n k per product, whatever alpha and beta) of the float32 products run so far
     * in this JVM when it was started with {@code -Dreformer4j.sgemm.count=true}; -1 without it.
     */
    public static long countedFlops() {
        return COUNT ? FLOPS.sum() : -1;
    }

    /** {@code C = alpha op(A) op(B) + beta C}; see the class comment for the strides. beta 0 ignores C. */
    public static void sgemm(int m, int n, int k, float alpha, float[] a, int aOff, int rsA, int csA,
                             float[] b, int bOff, int rsB, int csB, float beta, float[] c, int cOff, int ldc) {
        GemmChecks.check("sgemm", m, n, k, a == null ? -1 : a.length, aOff, 0, 1, rsA, csA,
                b == null ? -1 : b.length, bOff, 0, 1, rsB, csB, c == null ? -1 : c.length, cOff, 0, 1, ldc);
        run(SgemmBlocked.planFor(m, n, k, rsA, csA), true, m, n, k, alpha, a, aOff, rsA, csA, b, bOff, rsB, csB,
                beta, c, cOff, ldc);
    }

    /**
     * A batch of independent products; product t reads A at {@code aOff + t*strideA}, B at
     * {@code bOff + t*strideB} and writes C at {@code cOff + t*strideC} (strides may be 0 to share an
     * operand; C's must not overlap).
     */
    public static void sgemmBatched(int batch, int m, int n, int k, float alpha,
                                    float[] a, int aOff, long strideA, int rsA, int csA,
                                    float[] b, int bOff, long strideB, int rsB, int csB,
                                    float beta, float[] c, int cOff, long strideC, int ldc) {
        if (batch < 0) throw new IllegalArgumentException("sgemmBatched: batch must be >= 0, got " + batch);
        GemmChecks.check("sgemmBatched", m, n, k, a == null ? -1 : a.length, aOff, strideA, batch, rsA, csA,
                b == null ? -1 : b.length, bOff, strideB, batch, rsB, csB,
                c == null ? -1 : c.length, cOff, strideC, batch, ldc);
        batched(SgemmBlocked.planFor(m, n, k, rsA, csA), batch, m, n, k, alpha, a, aOff, strideA, rsA, csA,
                b, bOff, strideB, rsB, csB, beta, c, cOff, strideC, ldc);
    }

    /**
     * Columns per panel of a B operand packed by {@link #packPanels} for {@link #sgemmPanels}: the float32 kernels'
     * width (two vectors: 32 with AVX-512, 16 with AVX2), or 0 where they are not in use (no Vector API: there is no
     * packed path, and a caller multiplies its operands as they lie with {@link #sgemm}).
     */
    public static int panelWidth() {
        return SgemmBlocked.VECTOR == null ? 0 : SgemmBlocked.VECTOR.nr();
    }

    /**
     * Packs op(B) [k, n] (read as {@code b[bOff + p*rsB + j*csB]}) into column panels of {@link #panelWidth()} = nr
     * columns for {@link #sgemmPanels}: panel q, columns [q nr, q nr + nr), at {@code dst[dOff + q*panelStride]}, element
     * (p, j) at {@code + p*nr + (j - q nr)}; the last panel's columns past n are zeros. A B used by many products, or
     * overlapping windows of one (rows [p0, p0 + k') of every panel: offset {@code p0*nr}; panels [q0, ..): offset {@code
     * q0*panelStride}), is packed once instead of by every product. panelStride is at least k*nr.
     */
    public static void packPanels(int k, int n, float[] b, int bOff, int rsB, int csB, float[] dst, int dOff, int panelStride) {
        int nr = panelWidth();
        if (nr == 0) throw new IllegalStateException("packPanels: no packed path without the Vector API (panelWidth() is 0)");
        checkPanels("packPanels", k, n, nr, dst == null ? -1 : dst.length, dOff, panelStride);
        GemmChecks.operand("packPanels", "B", k, n, b == null ? -1 : b.length, bOff, rsB, csB);
        if (k == 0 || n == 0) return;
        SgemmBlocked.Workspace ws = SgemmBlocked.workspace();
        for (int j0 = 0, q = 0; j0 < n; j0 += nr, q++) {
            SgemmVector.packB(nr, k, Math.min(nr, n - j0), b, bOff + j0 * csB, rsB, csB, dst, dOff + q * panelStride, ws.idx);
        }
    }

    /**
     * {@code C = alpha op(A) B + beta C} with B [k, n] in panels packed by {@link #packPanels} (panel q at {@code
     * bp[bpOff + q*panelStride]}), on the calling thread (for the small products of a parallel loop's parts). The same
     * bits as {@link #sgemm} of the unpacked B wherever that product is not tiny ({@link #DIRECT_MACS}: this runs the
     * kernels at every size).
     */
    public static void sgemmPanels(int m, int n, int k, float alpha, float[] a, int aOff, int rsA, int csA,
                                   float[] bp, int bpOff, int panelStride, float beta, float[] c, int cOff, int ldc) {
        int nr = panelWidth();
        if (nr == 0) throw new IllegalStateException("sgemmPanels: no packed path without the Vector API (panelWidth() is 0)");
        if (m < 0) throw new IllegalArgumentException("sgemmPanels: sizes must be >= 0, got m=" + m);
        if (m > 1 && ldc < n) {
            throw new IllegalArgumentException("sgemmPanels: ldc=" + ldc + " is smaller than n=" + n + ", rows of C ["
                    + m + "," + n + "] would overlap");
        }
        GemmChecks.operand("sgemmPanels", "A", m, k, a == null ? -1 : a.length, aOff, rsA, csA);
        GemmChecks.operand("sgemmPanels", "C", m, n, c == null ? -1 : c.length, cOff, ldc, 1);
        checkPanels("sgemmPanels", m == 0 ? 0 : k, n, nr, bp == null ? -1 : bp.length, bpOff, panelStride);
        if (m == 0 || n == 0) return;
        long macs = (long) m * n * k;
        if (COUNT) FLOPS.add(2 * macs);
        long t0 = SHAPES == null ? 0 : System.nanoTime();
        SgemmBlocked.gemmPanels(SgemmBlocked.planFor(m), m, n, k, alpha, a, aOff, rsA, csA, bp, bpOff, panelStride,
                beta, c, cOff, ldc);
        if (SHAPES != null) count(m + "x" + n + "x" + k + (csA == 1 ? " n" : " t") + "p ld " + Math.max(rsA, csA) + ",-," + ldc
                + " 1t" + (Parallel.insidePart() ? " in a part" : ""), macs, t0);
    }

    /** Packed panels of k rows for n columns: the array present, panelStride at least k nr, every panel inside it. */
    private static void checkPanels(String op, int k, int n, int nr, int len, int off, int panelStride) {
        if (k < 0 || n < 0) throw new IllegalArgumentException(op + ": sizes must be >= 0, got k=" + k + " n=" + n);
        if (len < 0) throw new NullPointerException(op + ": null array for the packed panels");
        if (panelStride < (long) k * nr) {
            throw new IllegalArgumentException(op + ": panelStride=" + panelStride + " is smaller than k*nr=" + k + "*" + nr
                    + ", panels would overlap");
        }
        if (k == 0 || n == 0) return;
        long last = off + (long) ((n + nr - 1) / nr - 1) * panelStride + (long) k * nr - 1;
        if (off < 0 || last >= len) {
            throw new IndexOutOfBoundsException(op + ": " + ((n + nr - 1) / nr) + " panels of " + k + " x " + nr
                    + " floats from offset " + off + ", stride " + panelStride + " reach index " + last
                    + " outside the array of length " + len);
        }
    }

    /** float64 {@code C = alpha op(A) op(B) + beta C}, same strides as {@link #sgemm}. */
    public static void dgemm(int m, int n, int k, double alpha, double[] a, int aOff, int rsA, int csA,
                             double[] b, int bOff, int rsB, int csB, double beta, double[] c, int cOff, int ldc) {
        GemmChecks.check("dgemm", m, n, k, a == null ? -1 : a.length, aOff, 0, 1, rsA, csA,
                b == null ? -1 : b.length, bOff, 0, 1, rsB, csB, c == null ? -1 : c.length, cOff, 0, 1, ldc);
        Dgemm.gemm(m, n, k, alpha, a, aOff, rsA, csA, b, bOff, rsB, csB, beta, c, cOff, ldc);
    }

    /** float64 batch, same layout as {@link #sgemmBatched}. */
    public static void dgemmBatched(int batch, int m, int n, int k, double alpha,
                                    double[] a, int aOff, long strideA, int rsA, int csA,
                                    double[] b, int bOff, long strideB, int rsB, int csB,
                                    double beta, double[] c, int cOff, long strideC, int ldc) {
        if (batch < 0) throw new IllegalArgumentException("dgemmBatched: batch must be >= 0, got " + batch);
        GemmChecks.check("dgemmBatched", m, n, k, a == null ? -1 : a.length, aOff, strideA, batch, rsA, csA,
                b == null ? -1 : b.length, bOff, strideB, batch, rsB, csB,
                c == null ? -1 : c.length, cOff, strideC, batch, ldc);
        for (int t = 0; t < batch; t++) {
            Dgemm.gemm(m, n, k, alpha, a, (int) (aOff + t * strideA), rsA, csA,
                    b, (int) (bOff + t * strideB), rsB, csB, beta, c, (int) (cOff + t * strideC), ldc);
        }
    }

    // ---- package-private entry points with an explicit plan (tests run the scalar and vector kernels) ----

    /** {@link #sgemm} with the given plan, without argument checks. */
    static void sgemm(SgemmBlocked.Plan plan, int m, int n, int k, float alpha, float[] a, int aOff, int rsA,
                      int csA, float[] b, int bOff, int rsB, int csB, float beta, float[] c, int cOff, int ldc) {
        run(plan, true, m, n, k, alpha, a, aOff, rsA, csA, b, bOff, rsB, csB, beta, c, cOff, ldc);
    }

    /** {@link #sgemmBatched} with the given plan, without argument checks. */
    static void batched(SgemmBlocked.Plan plan, int batch, int m, int n, int k, float alpha,
                        float[] a, int aOff, long strideA, int rsA, int csA,
                        float[] b, int bOff, long strideB, int rsB, int csB,
                        float beta, float[] c, int cOff, long strideC, int ldc) {
        long macs = (long) m * n * k;
        boolean overBatch = Parallel.threads() > 1 && batch > 1
                && (macs < BATCH_SPLIT_MACS || batch >= 4 * Parallel.threads())
                && macs * batch >= PARALLEL_MACS;
        if (overBatch) {
            // a few products per part, more parts than threads: idle threads steal from a slow one
            int parts = Math.min(batch, Parallel.threads() * SgemmBlocked.PARTS_PER_THREAD);
            Parallel.forParts(batch, parts, (from, to) -> {
                for (int t = from; t < to; t++) {
                    run(plan, false, m, n, k, alpha, a, (int) (aOff + t * strideA), rsA, csA,
                            b, (int) (bOff + t * strideB), rsB, csB, beta, c, (int) (cOff + t * strideC), ldc);
                }
            });
        } else {
            for (int t = 0; t < batch; t++) {
                run(plan, true, m, n, k, alpha, a, (int) (aOff + t * strideA), rsA, csA,
                        b, (int) (bOff + t * strideB), rsB, csB, beta, c, (int) (cOff + t * strideC), ldc);
            }
        }
    }

    /** One product: unblocked when tiny, blocked otherwise; with {@code parallel}, on all threads. */
    private static void run(SgemmBlocked.Plan pl, boolean parallel, int m, int n, int k, float alpha,
                            float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int rsB, int csB,
                            float beta, float[] c, int cOff, int ldc) {
        long macs = (long) m * n * k;
        if (m == 0 || n == 0) return;
        if (COUNT) FLOPS.add(2 * macs);
        if (macs <= DIRECT_MACS && k > 0 && alpha != 0f) {
            SgemmScalar.direct(m, n, k, alpha, a, aOff, rsA, csA, b, bOff, rsB, csB, beta, c, cOff, ldc,
                    SgemmBlocked.workspace().row(n));
            return;
        }
        int threads = parallel && macs >= PARALLEL_MACS ? Parallel.threads() : 1;
        long t0 = SHAPES == null ? 0 : System.nanoTime();
        SgemmBlocked.gemm(pl, threads, m, n, k, alpha, a, aOff, rsA, csA, b, bOff, rsB, csB, beta, c, cOff, ldc);
        if (SHAPES != null) {
            // threads: those the product may use; "in a part": called inside a parallel loop, so it runs on its caller alone
            count(m + "x" + n + "x" + k + (csA == 1 ? " n" : " t") + (csB == 1 ? "n" : "t") + " ld " + Math.max(rsA, csA) + ","
                    + Math.max(rsB, csB) + "," + ldc + " " + threads + "t" + (Parallel.insidePart() ? " in a part" : ""), macs, t0);
        }
    }

    /** One product of {@code macs} multiply-adds begun at t0 in the shape table's row {@code key}. */
    private static void count(String key, long macs, long t0) {
        long[] v = SHAPES.computeIfAbsent(key, x -> new long[3]);
        synchronized (v) {
            v[0]++;
            v[1] += 2 * macs;
            v[2] += System.nanoTime() - t0;
        }
    }
}
