package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.core.random.Generator;

/**
 * The Vector API kernels against their scalar twins (which are also the fallback), on lengths that are
 * not multiples of the vector width, and the float32 GELU against the float64 reference formula.
 */
class CpuVectorTest {
    private static float[] randn(long seed, int n) {
        float[] a = new float[n];
        new Generator(seed, 3).normal(a);
        for (int i = 0; i < n; i++) a[i] *= 3;
        return a;
    }

    /** |got - want| <= relTol * max(|want|, 0.01): relative, with an absolute floor for values near 0. */
    private static void near(String what, float want, float got, double relTol) {
        double tol = relTol * Math.max(1e-2, Math.abs(want));
        if (Math.abs(want - got) > tol) assertEquals(want, got, tol, what);
    }

    @Test
    void unaryAndBinaryMatchScalar() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        for (int n : new int[] {1, 15, 16, 17, 100, 1003}) {
            float[] x = randn(n, n), z = randn(n + 1, n), v = new float[n], s = new float[n];
            for (UnaryOp op : new UnaryOp[] {UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR, UnaryOp.NEG, UnaryOp.RELU, UnaryOp.SQUARE, UnaryOp.GELU}) {
                CpuVector.unary(op, 0.7f, x, 0, v, 0, n);
                CpuElementwise.unaryF32(op, 0.7f, x, 0, 1, s, 0, 1, n);
                for (int i = 0; i < n; i++) near(op + " n=" + n + " i=" + i, s[i], v[i], 3e-6);
            }
            for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.GELU_BACKWARD}) {
                CpuVector.binary(op, x, 0, z, 0, 1, v, 0, n);
                CpuElementwise.binaryF32(op, x, 0, 1, z, 0, 1, s, 0, 1, n);
                for (int i = 0; i < n; i++) near(op + " n=" + n + " i=" + i, s[i], v[i], 3e-6);
            }
            near("sum", CpuRows.sumF32(x, 0, n), CpuVector.sum(x, 0, n), 1e-5);
            assertEquals(CpuRows.maxF32(x, 0, n), CpuVector.max(x, 0, n));
            near("dot", CpuRows.dotF32(x, 0, z, 0, n), CpuVector.dot(x, 0, z, 0, n), 1e-4);
        }
    }

    @Test
    void vectorExpEqualsItsScalarTwinBitForBitAndIsWithinTwoUlpOfExp() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        int n = 1 << 16;
        float[] x = new float[n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 200 - 100);
        float[] special = {0f, -0f, 1f, -1f, 88f, 88.7f, 88.8f, -87.2f, -87.4f, -104f, Float.NaN,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-8f, -1e-8f, 0.34657f, -0.34657f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] v = new float[n];
        int up = CpuVector.S.loopBound(n);
        for (int i = 0; i < up; i += CpuVector.S.length()) {
            CpuVector.exp(jdk.incubator.vector.FloatVector.fromArray(CpuVector.S, x, i)).intoArray(v, i);
        }
        for (int i = 0; i < up; i++) {
            float s = CpuElementwise.expF32(x[i]);
            assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(v[i]), "exp(" + x[i] + "): vector " + v[i] + " scalar " + s);
            double want = Math.exp(x[i]);
            if (Double.isNaN(want)) continue;
            if (want < 2.5e-38 || want > Float.MAX_VALUE) continue; // flushed to 0 below -86.6 (documented)
            assertEquals(want, s, 2 * Math.ulp((float) want), "exp(" + x[i] + ")");
        }
        assertEquals(0f, CpuElementwise.expF32(-104f));
        assertEquals(Float.POSITIVE_INFINITY, CpuElementwise.expF32(89f));
        assertTrue(Float.isNaN(CpuElementwise.expF32(Float.NaN)));
    }

    /**
     * GELU forward and backward vector loops equal their scalar twins bit for bit over the whole float range,
     * including the lanes where the exponential underflows (|x| near 13.2), the erf clamp (|x| = 4 sqrt 2),
     * infinities, NaN and signed zeros (the vector loops skip the scalar twins' clamps and blend only the lanes that need it).
     */
    @Test
    void geluForwardAndBackwardEqualTheirScalarTwinsBitForBitAtTheEdges() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        int n = 1 << 15;
        float[] x = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble();
            x[i] = (float) (i % 3 == 0 ? (u * 40 - 20) : i % 3 == 1 ? (u * 1.2 + 12.6) * (rnd.nextBoolean() ? 1 : -1)
                    : Math.scalb(u - 0.5, rnd.nextInt(-140, 128)));
            g[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 13.1f, -13.1f, 13.2f, -13.2f, 13.3f, -13.3f, 1e-20f, -1e-20f,
            5.656854f, -5.656854f, 5.6568546f, -5.6568546f, 5.656855f, -5.656855f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] v = new float[n], s = new float[n];
        CpuVector.unary(UnaryOp.GELU, 0f, x, 0, v, 0, n);
        CpuElementwise.unaryF32(UnaryOp.GELU, 0f, x, 0, 1, s, 0, 1, n);
        for (int i = 0; i < n; i++) assertEquals(Float.floatToIntBits(s[i]), Float.floatToIntBits(v[i]), "gelu(" + x[i] + ") element " + i);
        CpuVector.binary(BinaryOp.GELU_BACKWARD, g, 0, x, 0, 1, v, 0, n);
        CpuElementwise.binaryF32(BinaryOp.GELU_BACKWARD, g, 0, 1, x, 0, 1, s, 0, 1, n);
        for (int i = 0; i < n; i++) assertEquals(Float.floatToIntBits(s[i]), Float.floatToIntBits(v[i]), "gelu'(" + x[i] + ") element " + i);
    }

    /**
     * The vector row max skips NaN lanes (a blend, not Java's max), so softmax, log-softmax and cross entropy
     * must still turn a NaN anywhere in a row into NaN, and a row of signed zeros into the uniform distribution.
     */
    @Test
    void rowsWithNaNOrSignedZerosKeepTheirMeaning() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        int n = 53;
        float[] x = randn(31, 3 * n);
        x[5] = Float.NaN;                                      // row 0: NaN inside the vector part
        for (int j = 0; j < n; j++) x[n + j] = (j % 2 == 0) ? 0f : -0f; // row 1: signed zeros
        x[2 * n + n - 1] = Float.NaN;                          // row 2: NaN in the scalar tail
        var t = org.reformer4j.core.Tensor.of(x, 3, n);
        for (boolean log : new boolean[] {false, true}) {
            float[] y = (log ? t.logSoftmax(1) : t.softmax(1)).toFloatArray();
            for (int j = 0; j < n; j++) {
                assertTrue(Float.isNaN(y[j]), "row 0 col " + j + " log=" + log);
                assertTrue(Float.isNaN(y[2 * n + j]), "row 2 col " + j + " log=" + log);
                double want = log ? -Math.log(n) : 1.0 / n;
                assertEquals(want, y[n + j], 1e-6, "row 1 col " + j + " log=" + log);
            }
        }
        var target = org.reformer4j.core.Tensor.of(new long[] {1, 2, 3}, 3);
        float loss = org.reformer4j.core.Functional.crossEntropy(t, target, -100).toFloatArray()[0];
        assertTrue(Float.isNaN(loss), "cross entropy over rows with NaN: " + loss);
    }

    /** GELU's backward vector loop (and its scalar tail) equals the scalar twin bit for bit, also when written over x. */
    @Test
    void geluBackwardEqualsItsScalarTwinBitForBit() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        int n = 5003;
        float[] g = randn(21, n), x = randn(22, n), v = new float[n], s = new float[n];
        CpuVector.binary(BinaryOp.GELU_BACKWARD, g, 0, x, 0, 1, v, 0, n);
        CpuElementwise.binaryF32(BinaryOp.GELU_BACKWARD, g, 0, 1, x, 0, 1, s, 0, 1, n);
        for (int i = 0; i < n; i++) assertEquals(Float.floatToIntBits(s[i]), Float.floatToIntBits(v[i]), "gelu'(" + x[i] + ") element " + i);
        float[] inPlace = x.clone();
        CpuVector.binary(BinaryOp.GELU_BACKWARD, g, 0, inPlace, 0, 1, inPlace, 0, n);
        for (int i = 0; i < n; i++) assertEquals(Float.floatToIntBits(s[i]), Float.floatToIntBits(inPlace[i]), "written over x, element " + i);
    }

    /**
     * The float32 GELU against the float64 erf form (UnaryOp.GELU, its own erf): within 2.3e-7 max(1, |x|) - the
     * absolute accuracy of 1 + erf in float32, as torch's float32 GELU computes it - on a dense grid over
     * [-12, 12] and on normal draws; its derivative within 3e-7 max(1, |x|) (Phi(x) + x phi(x) cancels near
     * x = -0.75, so it is judged against the size of its terms, not its value).
     */
    @Test
    void float32GeluIsWithinItsStatedBoundOfTheExactErfForm() {
        float[] grid = new float[240001];
        for (int i = 0; i < grid.length; i++) grid[i] = -12f + i * 1e-4f;
        float[] drawn = randn(9, 4096);
        double worst = 0, worstGrad = 0;
        for (float[] xs : new float[][] {grid, drawn}) {
            for (float xi : xs) {
                double scale = Math.max(1.0, Math.abs(xi));
                double err = Math.abs(UnaryOp.GELU.apply(xi, 0) - CpuElementwise.geluF32(xi)) / scale;
                double errGrad = Math.abs(BinaryOp.GELU_BACKWARD.apply(1.0, xi) - CpuElementwise.geluBackwardF32(1f, xi)) / scale;
                assertTrue(err <= 2.3e-7, "gelu(" + xi + "): error " + err * scale);
                assertTrue(errGrad <= 3e-7, "gelu'(" + xi + "): error " + errGrad * scale);
                worst = Math.max(worst, err);
                worstGrad = Math.max(worstGrad, errGrad);
            }
        }
        assertTrue(worst > 0 && worstGrad > 0, "the float32 and float64 forms cannot agree exactly everywhere");
        assertEquals(0f, CpuElementwise.geluF32(0f));
        assertEquals(Float.POSITIVE_INFINITY, CpuElementwise.geluF32(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(CpuElementwise.geluF32(Float.NaN)));
    }
}
