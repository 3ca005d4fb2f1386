package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.core.random.Generator;

/**
 * Matrix-vector products (one decoding position's Linear, x[1, k] @ W^T) against float64 sums: the four-rows
 * kernel and its scalar twin on row counts that are not multiples of four and lengths that are not multiples
 * of the vector width, at offsets, split over threads or not; a row's bits independent of how rows are
 * grouped; and {@link FlatF32}'s layer norm, softmax and GELU against float64 formulas.
 */
class CpuGemvTest {
    private static float[] randn(long seed, int n) {
        float[] a = new float[n];
        new Generator(seed, 5).normal(a);
        return a;
    }

    /** float64 W x + b over rows of W at wOff (row length k). */
    private static double[] reference(int n, int k, float[] w, int wOff, float[] b, float[] x, int xOff) {
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += (double) w[wOff + j * k + p] * x[xOff + p];
            y[j] = s + (b == null ? 0 : b[j]);
        }
        return y;
    }

    /** float32 rounding of a k-term sum of unit normals: a few ulps of sqrt(k) per term. */
    private static void near(String what, double want, float got, int k) {
        assertEquals(want, got, 2e-6 * Math.sqrt(k) * (4 + Math.abs(want)), what);
    }

    @Test
    void rowsMatchFloat64AtOddShapesAndOffsets() {
        for (int n : new int[] {1, 3, 4, 5, 7, 64, 130, 1031}) {
            for (int k : new int[] {1, 15, 16, 17, 64, 128, 515}) {
                int wOff = 3, xOff = 2, yOff = 5;
                float[] w = randn(n * 1000L + k, wOff + n * k), x = randn(k, xOff + k), b = randn(n + 7, n);
                double[] want = reference(n, k, w, wOff, b, x, xOff);
                float[] y = new float[yOff + n];
                FlatF32.linear(n, k, w, wOff, b, 0, x, xOff, y, yOff);
                for (int j = 0; j < n; j++) near("linear n=" + n + " k=" + k + " row " + j, want[j], y[yOff + j], k);
                float[] c = new float[n];
                CpuGemv.rows(n, k, w, wOff, k, x, xOff, c, 0); // threads when n * k >= PARALLEL_MACS
                for (int j = 0; j < n; j++) near("rows n=" + n + " k=" + k + " row " + j, want[j] - b[j], c[j], k);
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsGroupOfFour() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        for (int k : new int[] {7, 16, 33, 128, 512}) {
            int n = 4 * 9 + 3;
            float[] w = randn(k, n * k), x = randn(k + 1, k), all = new float[n], one = new float[n], shifted = new float[n];
            CpuGemv.dotRows(w, 0, k, x, 0, k, all, 0, 0, n);
            for (int j = 0; j < n; j++) CpuGemv.dotRows(w, 0, k, x, 0, k, one, 0, j, j + 1);
            CpuGemv.dotRows(w, 0, k, x, 0, k, shifted, 0, 1, n);
            CpuGemv.dotRows(w, 0, k, x, 0, k, shifted, 0, 0, 1);
            for (int j = 0; j < n; j++) {
                assertEquals(all[j], one[j], 0f, "k=" + k + " row " + j + " alone");
                assertEquals(all[j], shifted[j], 0f, "k=" + k + " row " + j + " in groups shifted by one");
            }
            float[] lanes = randn(k + 2, 64);
            float tree = CpuGemvVector.sumTree(jdk.incubator.vector.FloatVector.fromArray(CpuVector.S, lanes, 0));
            double want = 0;
            for (int i = 0; i < CpuVector.S.length(); i++) want += lanes[i];
            assertEquals(want, tree, 1e-5, "sum of lanes");
        }
    }

    @Test
    void scalarTwinMatchesFloat64() {
        int n = 37, k = 129;
        float[] w = randn(1, n * k), x = randn(2, k), c = new float[n];
        double[] want = reference(n, k, w, 0, null, x, 0);
        for (int j = 0; j < n; j++) c[j] = CpuRows.dotF32(x, 0, w, j * k, k);
        for (int j = 0; j < n; j++) near("scalar row " + j, want[j], c[j], k);
    }

    @Test
    void matmulOfOneRowUsesTheKernelAndMatchesFloat64() {
        int n = 300, k = 130;
        float[] w = randn(3, n * k), x = randn(4, k);
        double[] want = reference(n, k, w, 0, null, x, 0);
        float[] got;
        try (var ng = GradMode.noGrad()) {
            got = Tensor.of(x, 1, k).matmul(Tensor.of(w, n, k).t()).toFloatArray();
        }
        for (int j = 0; j < n; j++) near("matmul row " + j, want[j], got[j], k);
    }

    @Test
    void linearRefusesArraysThatDoNotFit() {
        var e = assertThrows(IllegalArgumentException.class, () -> FlatF32.linear(4, 8, new float[31], 0, null, 0, new float[8], 0, new float[4], 0));
        assertEquals(true, e.getMessage().contains("weight [4, 8]"), e.getMessage());
    }

    @Test
    void layerNormSoftmaxAndGeluMatchFloat64() {
        for (int n : new int[] {1, 17, 128, 515}) {
            float[] x = randn(n, n), w = randn(n + 1, n), b = randn(n + 2, n), y = new float[n + 3];
            double mean = 0, var = 0;
            for (float v : x) mean += v;
            mean /= n;
            for (float v : x) var += (v - mean) * (v - mean);
            var /= n;
            FlatF32.layerNorm(x, 0, n, w, b, 1e-5, y, 3);
            for (int i = 0; i < n; i++) {
                double want = (x[i] - mean) / Math.sqrt(var + 1e-5) * w[i] + b[i];
                assertEquals(want, y[3 + i], 1e-5 * (1 + Math.abs(want)), "layerNorm n=" + n + " i=" + i);
            }
            float[] s = x.clone();
            FlatF32.softmax(s, 0, n);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : x) max = Math.max(max, v);
            for (float v : x) sum += Math.exp(v - max);
            for (int i = 0; i < n; i++) assertEquals(Math.exp(x[i] - max) / sum, s[i], 2e-6, "softmax n=" + n + " i=" + i);
            float[] g = new float[n];
            FlatF32.unary(UnaryOp.GELU, x, 0, g, 0, n);
            for (int i = 0; i < n; i++) assertEquals(UnaryOp.GELU.apply(x[i], 0), g[i], 2e-6 * (1 + Math.abs(x[i])), "gelu n=" + n);
        }
    }
}
