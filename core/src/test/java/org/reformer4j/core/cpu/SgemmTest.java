package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link Sgemm} against a float64 triple loop on seeded random operands: shapes from 1x1x1 to sizes
 * past every blocking parameter, all four transpose combinations (as strides), offsets and padded leading
 * dimensions (padding must stay untouched), alpha/beta variants (beta 0 ignores NaN in C), k = 0, batches
 * on both parallel strategies, 1 and 2 threads, and the scalar and vector kernels side by side. Tolerance:
 * {@code 1e-6 * (k + 4) * sum_p |a_ip b_pj| * |alpha|} plus float rounding of {@code beta * c}.
 */
class SgemmTest {
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 1, 7}, {7, 1, 1}, {1, 9, 1}, {2, 3, 4}, {12, 32, 16}, {13, 33, 17}, {11, 31, 5},
        {6, 64, 9}, {5, 63, 70}, {25, 65, 257}, {100, 3, 50}, {3, 100, 50}, {37, 129, 300},
        {150, 70, 40}, {70, 150, 600}, {13, 1100, 20}, {290, 45, 31}, {64, 64, 64}, {1, 300, 200},
        {300, 1, 200},
    };
    private static final float[][] ALPHA_BETA = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {2f, -1f}, {0f, 0.5f}};

    /** The plans to run: the scalar kernel always, the vector plans when the module is loaded. */
    private static List<SgemmBlocked.Plan> plans() {
        List<SgemmBlocked.Plan> plans = new ArrayList<>();
        plans.add(SgemmBlocked.SCALAR);
        if (VectorSupport.ENABLED) {
            int vl = SgemmVector.VL;
            plans.add(SgemmBlocked.VECTOR);
            // both kernel versions, with small blocks so that every loop of the driver runs several times
            plans.add(new SgemmBlocked.Plan(1, 12, 2 * vl, 24, 36, 4 * vl));
            plans.add(new SgemmBlocked.Plan(2, 6, 4 * vl, 40, 18, 8 * vl));
            plans.add(new SgemmBlocked.Plan(3, 10, 2 * vl, 33, 30, 3 * vl));
            plans.add(SgemmBlocked.VECTOR8);
        }
        return plans;
    }

    /** op(X) of shape [rows, cols], stored transposed or not, with an offset and a padded leading dim. */
    record Operand(float[] data, int off, int rs, int cs, double maxAbs) {
        static Operand random(SplittableRandom rnd, int rows, int cols, boolean transposed) {
            int off = rnd.nextInt(5);
            int ld = (transposed ? rows : cols) + rnd.nextInt(3);
            int outer = transposed ? cols : rows;
            float[] d = new float[off + Math.max(1, outer) * ld + 3];
            double max = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (rnd.nextDouble() * 2 - 1);
                max = Math.max(max, Math.abs(d[i]));
            }
            return transposed ? new Operand(d, off, 1, ld, max) : new Operand(d, off, ld, 1, max);
        }

        double at(int i, int j) {
            return data[off + i * rs + j * cs];
        }
    }

    /** Runs one product and compares every element of C (and its padding) with the float64 reference. */
    private static void check(String what, SgemmBlocked.Plan plan, SplittableRandom rnd, int m, int n, int k,
                              boolean ta, boolean tb, float alpha, float beta) {
        Operand a = Operand.random(rnd, m, k, ta);
        Operand b = Operand.random(rnd, k, n, tb);
        int cOff = rnd.nextInt(4), ldc = n + rnd.nextInt(3);
        float[] c = new float[cOff + m * ldc + 2];
        for (int i = 0; i < c.length; i++) c[i] = (float) (rnd.nextDouble() * 2 - 1);
        if (beta == 0f) {
            for (int i = 0; i < m; i++) c[cOff + i * ldc] = Float.NaN;
        }
        float[] c0 = c.clone();
        if (plan == null) {
            Sgemm.sgemm(m, n, k, alpha, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, beta, c, cOff, ldc);
        } else {
            Sgemm.sgemm(plan, m, n, k, alpha, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs,
                    beta, c, cOff, ldc);
        }
        String ctx = what + " " + (plan == null ? "default" : plan) + " m=" + m + " n=" + n + " k=" + k
                + " transA=" + ta + " transB=" + tb + " alpha=" + alpha + " beta=" + beta;
        compare(ctx, m, n, k, alpha, a, b, beta, c0, c, cOff, ldc);
    }

    private static void compare(String ctx, int m, int n, int k, float alpha, Operand a, Operand b,
                                float beta, float[] c0, float[] c, int cOff, int ldc) {
        boolean[] inside = new boolean[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = cOff + i * ldc + j;
                inside[idx] = true;
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = a.at(i, p) * b.at(p, j);
                    s += t;
                    abs += Math.abs(t);
                }
                double ref = alpha * s + (beta == 0f ? 0 : beta * (double) c0[idx]);
                double tol = 1e-6 * (k + 4) * abs * Math.abs(alpha)
                        + (beta == 0f ? 0 : 2e-7 * Math.abs(beta * c0[idx])) + 1e-30;
                double err = Math.abs(c[idx] - ref);
                if (!(err <= tol)) {
                    fail(ctx + ": C[" + i + "," + j + "] = " + c[idx] + ", reference " + ref + ", error " + err
                            + " > tolerance " + tol);
                }
            }
        }
        for (int i = 0; i < c.length; i++) {
            if (!inside[i] && Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(c0[i])) {
                fail(ctx + ": element " + i + " outside C was changed from " + c0[i] + " to " + c[i]);
            }
        }
    }

    /**
     * The default plan by shape: large products with a packed A take the 6 x 4 kernel (unless n is below 512, with A
     * transposed or copied by rows, or m is above WIDE_ROWS), small or in-place ones keep theirs; each runs right through
     * the public entry on 1 and 2 threads.
     */
    @Test
    void defaultPlanByShape() {
        Assumptions.assumeTrue(SgemmBlocked.WIDE != null, "no Vector API, or a kernel chosen by property: planFor(m) throughout");
        assertEquals(SgemmBlocked.rowCopy ? SgemmBlocked.planFor(520) : SgemmBlocked.WIDE, SgemmBlocked.planFor(520, 64, 130, 1),
                "row-major A, n = 64, 4.4 M multiply-adds");
        assertEquals(SgemmBlocked.WIDE, SgemmBlocked.planFor(520, 520, 130, 1), "row-major A, n = 520");
        assertEquals(SgemmBlocked.WIDE, SgemmBlocked.planFor(130, 520, 64, 130), "transposed A, n = 520");
        assertEquals(SgemmBlocked.planFor(130), SgemmBlocked.planFor(130, 256, 130, 130), "transposed A, n = 256");
        assertEquals(SgemmBlocked.planFor(4096), SgemmBlocked.planFor(4096, 256, 256, 1), "more rows than WIDE_ROWS");
        assertEquals(SgemmBlocked.planFor(127), SgemmBlocked.planFor(127, 127, 64, 1), "A read in place");
        assertEquals(SgemmBlocked.planFor(64), SgemmBlocked.planFor(64, 64, 64, 1), "below WIDE_MACS");
        assertEquals(SgemmBlocked.VECTOR, SgemmBlocked.planFor(256, 256, 4096, 256), "transposed A, n = 256, 256 rows: 12 rows, not 8");
        assertEquals(SgemmBlocked.VECTOR8, SgemmBlocked.planFor(64, 128, 64, 1), "a small 64-row product keeps the 8-row kernel");
        assertEquals(SgemmBlocked.VECTOR8, SgemmBlocked.planFor(256, 256, 4096, 1, 256), "transposed A, 256 rows: read in place");
        assertEquals(SgemmBlocked.VECTOR8, SgemmBlocked.planFor(96, 512, 1016, 1, 96), "transposed A, 96 rows: 8-row panels");
        assertEquals(SgemmBlocked.planFor(252, 256, 4096, 252), SgemmBlocked.planFor(252, 256, 4096, 1, 252), "rows not a multiple of 8");
        assertEquals(SgemmBlocked.planFor(2048, 256, 4096, 2048), SgemmBlocked.planFor(2048, 256, 4096, 1, 2048), "past TRANSPOSED_ROWS");
        assertEquals(SgemmBlocked.planFor(256, 256, 64, 1), SgemmBlocked.planFor(256, 256, 64, 256, 1), "row-major A");
        int before = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                SplittableRandom rnd = new SplittableRandom(31 + threads);
                check("wide plan, " + threads + " threads", null, rnd, 520, 70, 130, false, false, 1f, 0f);
                check("wide plan, " + threads + " threads", null, rnd, 130, 530, 61, true, true, -0.5f, 2f);
                check("wide plan, " + threads + " threads", null, rnd, 301, 600, 40, false, true, 1f, 1f);
                check("12 rows for 136 (a partial last panel), " + threads + " threads", null, rnd, 136, 200, 200, true, false, 1f, 0f);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void allShapesLayoutsAndKernels() {
        SplittableRandom rnd = new SplittableRandom(20240611);
        for (SgemmBlocked.Plan plan : plans()) {
            for (int[] s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    float[] ab = ALPHA_BETA[(t + s[0] + s[2]) % ALPHA_BETA.length];
                    check("shapes", plan, rnd, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, ab[0], ab[1]);
                }
            }
        }
    }

    @Test
    void alphaBetaVariantsThroughPublicEntry() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (float[] ab : ALPHA_BETA) {
            for (int t = 0; t < 4; t++) {
                check("alpha/beta", null, rnd, 29, 47, 33, (t & 1) != 0, (t & 2) != 0, ab[0], ab[1]);
                check("alpha/beta", null, rnd, 3, 2, 5, (t & 1) != 0, (t & 2) != 0, ab[0], ab[1]);
            }
        }
    }

    @Test
    void zeroDepthScalesC() {
        float[] c = {1f, 2f, Float.NaN, 4f, 5f, 6f};
        Sgemm.sgemm(2, 2, 0, 1f, new float[0], 0, 0, 1, new float[0], 0, 2, 1, 0.5f, c, 0, 3);
        assertEquals(0.5f, c[0]);
        assertEquals(1f, c[1]);
        assertTrue(Float.isNaN(c[2]), "padding column must stay untouched");
        assertEquals(2f, c[3]);
        assertEquals(2.5f, c[4]);
        float[] d = {Float.NaN, Float.NaN};
        Sgemm.sgemm(1, 2, 0, 1f, new float[0], 0, 0, 1, new float[0], 0, 2, 1, 0f, d, 0, 2);
        assertEquals(0f, d[0]);
        assertEquals(0f, d[1]);
    }

    @Test
    void oneAndTwoThreadsAgree() {
        int saved = Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                SplittableRandom rnd = new SplittableRandom(99 + threads);
                // rows split (tall), columns split (wide), and a shape with too few rows to split
                check("threads=" + threads, null, rnd, 203, 97, 130, false, false, 1f, 0f);
                check("threads=" + threads, null, rnd, 20, 700, 90, true, false, 1f, 1f);
                check("threads=" + threads, null, rnd, 40, 90, 300, false, true, -1f, 0.5f);
                check("threads=" + threads, null, rnd, 90, 40, 300, true, true, 1f, 0f);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /**
     * A batch checked product by product. Operands are packed one after another (stride = the size of one
     * padded operand); {@code shareB} passes strideB 0, as a shared weight would be.
     */
    private static void checkBatch(String what, SplittableRandom rnd, int batch, int m, int n, int k,
                                   boolean ta, boolean tb, boolean shareB) {
        Operand a = Operand.random(rnd, m, k, ta), b = Operand.random(rnd, k, n, tb);
        int sa = a.data.length, sb = shareB ? 0 : b.data.length, ldc = n + 1, sc = m * ldc + 3;
        float[] as = random(rnd, batch * sa), bs = random(rnd, shareB ? b.data.length : batch * sb);
        float[] c = random(rnd, batch * sc), c0 = c.clone();
        Sgemm.sgemmBatched(batch, m, n, k, 1.5f, as, a.off, sa, a.rs, a.cs, bs, b.off, sb, b.rs, b.cs,
                0.5f, c, 1, sc, ldc);
        for (int t = 0; t < batch; t++) {
            Operand at = new Operand(as, a.off + t * sa, a.rs, a.cs, 1);
            Operand bt = new Operand(bs, b.off + t * sb, b.rs, b.cs, 1);
            compare(what + " batch " + t + "/" + batch + " m=" + m + " n=" + n + " k=" + k, m, n, k, 1.5f,
                    at, bt, 0.5f, Arrays.copyOfRange(c0, t * sc, (t + 1) * sc),
                    Arrays.copyOfRange(c, t * sc, (t + 1) * sc), 1, ldc);
        }
    }

    /** n uniform floats in [-1, 1) (SgemmPanelsTest's operands too). */
    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    @Test
    void batchedOverBatchAndInsideProducts() {
        int saved = Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                SplittableRandom rnd = new SplittableRandom(5 + threads);
                // small products: split over the batch (attention-like shapes, q k^T and p v)
                checkBatch("threads=" + threads, rnd, 6, 64, 64, 32, false, true, false);
                checkBatch("threads=" + threads, rnd, 5, 64, 32, 64, false, false, false);
                checkBatch("threads=" + threads, rnd, 4, 17, 9, 23, true, false, true);
                // products above the batch-split size: parallel inside each product
                checkBatch("threads=" + threads, rnd, 2, 260, 260, 260, false, false, false);
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void vectorKernelsMatchScalarTwin() {
        Assumptions.assumeTrue(VectorSupport.ENABLED, "jdk.incubator.vector is not loaded");
        SplittableRandom rnd = new SplittableRandom(3);
        int vl = SgemmVector.VL;
        for (int version = 1; version <= 4; version++) {
            int mr = new int[] {0, 12, 6, 10, 8}[version], nr = version == 2 ? 4 * vl : 2 * vl;
            for (int kc : new int[] {1, 2, 7, 64}) {
                float[] ap = new float[3 + mr * kc], bp = new float[5 + nr * kc];
                for (int i = 0; i < ap.length; i++) ap[i] = (float) rnd.nextDouble() - 0.5f;
                for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble() - 0.5f;
                int ldc = nr + 3;
                float[] c = new float[2 + mr * ldc];
                for (int i = 0; i < c.length; i++) c[i] = (float) rnd.nextDouble();
                float[] cs = c.clone(), acc = new float[mr * nr];
                switch (version) {
                    case 1 -> SgemmVector.kernel12x2(kc, ap, 3, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]);
                    case 2 -> SgemmVector.kernel6x4(kc, ap, 3, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]);
                    case 3 -> SgemmVector.kernel10x2(kc, ap, 3, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]);
                    default -> SgemmVector.kernel8x2T(kc, ap, 3, 8, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]); // a packed panel
                }
                SgemmScalar.kernel(mr, nr, kc, ap, 3, bp, 5, 0.75f, -2f, cs, 2, ldc, acc);
                for (int i = 0; i < c.length; i++) {
                    assertEquals(cs[i], c[i], 1e-5f * kc, "kernel v" + version + " kc=" + kc + " element " + i);
                }
            }
        }
    }

    @Test
    void vectorKernelsStoreOnlyTheirColumnsAndBetaZeroOverwritesNaN() {
        Assumptions.assumeTrue(VectorSupport.ENABLED, "jdk.incubator.vector is not loaded");
        SplittableRandom rnd = new SplittableRandom(5);
        int vl = SgemmVector.VL, nr = 2 * vl, mr = 12, kc = 9, ldc = nr + 7;
        float[] ap = new float[mr * kc], bp = new float[nr * kc];
        for (int i = 0; i < ap.length; i++) ap[i] = (float) rnd.nextDouble() - 0.5f;
        for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble() - 0.5f;
        for (int cols : new int[] {nr, nr - 1, vl + 1, vl, vl - 1, 1}) {
            for (float beta : new float[] {0f, -0f, 1.5f}) {
                float[] c = new float[mr * ldc + nr];
                for (int i = 0; i < c.length; i++) c[i] = beta == 1.5f ? (float) rnd.nextDouble() : Float.NaN;
                float[] before = c.clone();
                SgemmVector.kernel12x2(kc, ap, 0, bp, 0, 0.5f, beta, c, 3, ldc, cols, new float[mr * nr]);
                for (int i = 0; i < mr; i++) {
                    for (int j = 0; j < ldc; j++) {
                        int idx = 3 + i * ldc + j;
                        if (j < cols) {
                            double s = 0;
                            for (int p = 0; p < kc; p++) s += (double) ap[p * mr + i] * bp[p * nr + j];
                            double ref = 0.5 * s + (beta == 0f ? 0 : beta * (double) before[idx]);
                            assertEquals(ref, c[idx], 1e-5, "cols=" + cols + " beta=" + beta + " C[" + i + "," + j + "]");
                        } else if (idx < c.length) {
                            assertEquals(Float.floatToRawIntBits(before[idx]), Float.floatToRawIntBits(c[idx]),
                                    "cols=" + cols + " beta=" + beta + ": C[" + i + "," + j + "] outside the tile changed");
                        }
                    }
                }
            }
        }
    }

    /**
     * Large row-major A copied by rows and read in place by the 12- and 8-row kernels gives the bits of A packed into
     * micro-panels (every kernel sums in the same order): whole and partial panels, k over several blocks (beta 1
     * after the first), alpha and beta, B either way, 1 and 2 threads.
     */
    @Test
    void rowsCopiedGiveTheBitsOfPackedPanels() {
        Assumptions.assumeTrue(VectorSupport.ENABLED, "jdk.incubator.vector is not loaded");
        SplittableRandom rnd = new SplittableRandom(17);
        int[][] shapes = {{520, 64, 600}, {1000, 200, 1100}, {137, 100, 700}, {40, 32, 2048}, {203, 40, 513}};
        boolean saved = SgemmBlocked.rowCopy;
        int threadsBefore = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int[] sh : shapes) {
                    int m = sh[0], n = sh[1], k = sh[2];
                    boolean tb = (m & 1) == 0;
                    float[] a = new float[m * k], b = new float[k * n], c0 = new float[m * n];
                    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble() - 0.5f;
                    for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble() - 0.5f;
                    for (int i = 0; i < c0.length; i++) c0[i] = (float) rnd.nextDouble() - 0.5f;
                    float[][] out = new float[2][];
                    for (int copy = 0; copy < 2; copy++) {
                        SgemmBlocked.rowCopy = copy == 1;
                        out[copy] = c0.clone();
                        Sgemm.sgemm(m, n, k, 0.75f, a, 0, k, 1, b, 0, tb ? 1 : n, tb ? k : 1, 0.5f, out[copy], 0, n);
                    }
                    for (int i = 0; i < c0.length; i++) {
                        assertEquals(Float.floatToIntBits(out[0][i]), Float.floatToIntBits(out[1][i]),
                                m + "x" + n + "x" + k + (tb ? " B^T" : "") + ", " + threads + " threads, element " + i);
                    }
                }
            }
        } finally {
            SgemmBlocked.rowCopy = saved;
            Parallel.setThreads(threadsBefore);
        }
    }

    /**
     * The 8-row kernels (packed and direct) with alpha 1: a whole tile with beta 0 holds the sums of a tile one column
     * short (which goes through the masked merge), and with beta 1 holds C + those sums, bit for bit.
     */
    @Test
    void eightRowKernelsMergeWholeTilesLikePartialOnes() {
        Assumptions.assumeTrue(VectorSupport.ENABLED, "jdk.incubator.vector is not loaded");
        SplittableRandom rnd = new SplittableRandom(13);
        int nr = 2 * SgemmVector.VL, mr = 8, ldc = nr + 5;
        for (boolean direct : new boolean[] {false, true}) {
            for (int kc : new int[] {1, 64, 129}) {
                float[] ap = new float[mr * kc], bp = new float[nr * kc], a = new float[mr * kc];
                for (int i = 0; i < ap.length; i++) ap[i] = (float) rnd.nextDouble() - 0.5f;
                for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble() - 0.5f;
                for (int i = 0; i < mr; i++) {
                    for (int p = 0; p < kc; p++) a[i * kc + p] = ap[p * mr + i];
                }
                float[] start = new float[mr * ldc];
                for (int i = 0; i < start.length; i++) start[i] = (float) rnd.nextDouble() - 0.5f;
                float[][] out = new float[3][];
                float[] betas = {0f, 1f, 0f};
                int[] cols = {nr, nr, nr - 1};
                for (int t = 0; t < 3; t++) {
                    out[t] = start.clone();
                    if (direct) SgemmVector.kernel8x2Direct(kc, a, 0, kc, mr, bp, 0, 1f, betas[t], out[t], 0, ldc, cols[t], new float[mr * nr]);
                    else SgemmVector.kernel8x2T(kc, ap, 0, 8, bp, 0, 1f, betas[t], out[t], 0, ldc, cols[t], new float[mr * nr]);
                }
                for (int i = 0; i < mr; i++) {
                    for (int j = 0; j < ldc; j++) {
                        int at = i * ldc + j;
                        String where = (direct ? "direct" : "packed") + " kc=" + kc + " C[" + i + "," + j + "]";
                        if (j >= nr) {
                            assertEquals(Float.floatToRawIntBits(start[at]), Float.floatToRawIntBits(out[1][at]), where + " outside the tile");
                            continue;
                        }
                        assertEquals(Float.floatToIntBits(start[at] + out[0][at]), Float.floatToIntBits(out[1][at]), where + ", beta 1");
                        if (j < nr - 1) assertEquals(out[2][at], out[0][at], 0f, where + ", beta 0");
                    }
                }
            }
        }
    }

    /**
     * The direct kernels against the packed scalar twin, whole panels and partial ones: A holds only the panel's rows
     * (a read past them would throw), and C's rows past them stay as they were.
     */
    @Test
    void directKernelsReadRowMajorAInPlaceLikeThePackedTwin() {
        Assumptions.assumeTrue(VectorSupport.ENABLED, "jdk.incubator.vector is not loaded");
        SplittableRandom rnd = new SplittableRandom(11);
        int nr = 2 * SgemmVector.VL;
        for (int mr : new int[] {12, 8}) {
            for (int rows : new int[] {mr, mr - 1, 7, 1}) {
                for (int kc : new int[] {1, 3, 64, 129}) {
                    int lda = kc + 5, ai = 4;
                    float[] a = new float[ai + (rows - 1) * lda + kc], bp = new float[5 + nr * kc], ap = new float[mr * kc];
                    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble() - 0.5f;
                    for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble() - 0.5f;
                    for (int i = 0; i < rows; i++) {
                        for (int p = 0; p < kc; p++) ap[p * mr + i] = a[ai + i * lda + p];
                    }
                    int ldc = nr + 3;
                    float[] c = new float[2 + mr * ldc];
                    for (int i = 0; i < c.length; i++) c[i] = (float) rnd.nextDouble();
                    float[] before = c.clone(), cs = c.clone(), acc = new float[mr * nr];
                    if (mr == 12) SgemmVector.kernel12x2Direct(kc, a, ai, lda, rows, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]);
                    else SgemmVector.kernel8x2Direct(kc, a, ai, lda, rows, bp, 5, 0.75f, -2f, c, 2, ldc, nr, new float[mr * nr]);
                    SgemmScalar.kernel(mr, nr, kc, ap, 0, bp, 5, 0.75f, -2f, cs, 2, ldc, acc);
                    for (int i = 0; i < c.length; i++) {
                        String at = "direct kernel " + mr + " rows, " + rows + " filled, kc=" + kc + " element " + i;
                        if (i >= 2 + rows * ldc) assertEquals(before[i], c[i], at + " (past the panel's rows) changed");
                        else assertEquals(cs[i], c[i], 1e-5f * kc, at);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheirValues() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.sgemm(-1, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, 0f, c, 0, 2));
        assertTrue(e1.getMessage().contains("sgemm") && e1.getMessage().contains("m=-1"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, 0f, c, 0, 1));
        assertTrue(e2.getMessage().contains("ldc=1"), e2.getMessage());
        var e3 = assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.sgemm(2, 2, 3, 1f, a, 1, 3, 1, b, 0, 2, 1, 0f, c, 0, 2));
        assertTrue(e3.getMessage().contains("A [2,3]") && e3.getMessage().contains("length 6"), e3.getMessage());
        var e4 = assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, b, 0, 2, 1, 0f, c, 1, 2));
        assertTrue(e4.getMessage().contains("C [2,2]"), e4.getMessage());
        assertThrows(NullPointerException.class,
                () -> Sgemm.sgemm(2, 2, 3, 1f, a, 0, 3, 1, null, 0, 2, 1, 0f, c, 0, 2));
        var e5 = assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.sgemmBatched(2, 2, 2, 3, 1f, a, 0, 6, 3, 1, b, 0, 0, 2, 1, 0f, c, 0, 4, 2));
        assertTrue(e5.getMessage().contains("sgemmBatched") && e5.getMessage().contains("batch 2"), e5.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Sgemm.sgemmBatched(2, 1, 2, 3, 1f, a, 0, 0, 3, 1, b, 0, 0, 2, 1, 0f, c, 0, 0, 2));
    }
}
