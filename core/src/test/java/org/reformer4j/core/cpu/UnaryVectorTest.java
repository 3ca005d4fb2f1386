package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;

/**
 * The float32 unary ops with Vector API loops ({@link UnaryVector}): each loop equals its scalar twin bit for
 * bit (random values over the whole float range, edges, NaN, infinities, signed zeros, subnormals, tails), and
 * the float32 results stay within a stated number of ulps of the float64 formulas of {@link UnaryOp#apply}.
 */
class UnaryVectorTest {
    private static final UnaryOp[] OPS = {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.GELU_TANH, UnaryOp.SQRT,
        UnaryOp.RSQRT, UnaryOp.RECIPROCAL, UnaryOp.ABS, UnaryOp.RSUB_SCALAR, UnaryOp.LEAKY_RELU, UnaryOp.CLAMP_MIN, UnaryOp.CLAMP_MAX,
        UnaryOp.POW_SCALAR};

    private static float[] values(long seed, int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), 1f, -1f, 0.625f, -0.625f,
            Math.nextDown(0.625f), 88.72f, -87.3f, 44.4f, -9.1f, 0.70710677f, 0.70710683f, 1.4142135f, 1.4142137f};
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            x[i] = (float) switch (i % 4) {
                case 0 -> u * 40 - 20;
                case 1 -> u * 4 - 2;
                case 2 -> Math.scalb(u - 0.5, r.nextInt(-150, 128));
                default -> Math.scalb(u, r.nextInt(-150, 128));
            };
        }
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    @Test
    void vectorLoopsEqualTheirScalarTwinsBitForBit() {
        assumeTrue(VectorSupport.ENABLED && UnaryVector.usable(), "Vector API not loaded");
        int n = (1 << 14) + 7;
        float[] x = values(3, n);
        for (UnaryOp op : OPS) {
            for (float p : op == UnaryOp.POW_SCALAR ? new float[] {1f, 2f, 3f, 0.5f, -1f, 1.5f, -2.25f, 0.1f, 7f, 0f} : new float[] {0.1f, -0.5f}) {
                float[] v = new float[n], s = new float[n];
                assertTrue(CpuVector.unary(op, p, x, 0, v, 0, n), op + " has a vector loop");
                CpuElementwise.unaryF32(op, p, x, 0, 1, s, 0, 1, n);
                boolean library = op == UnaryOp.POW_SCALAR && SvmlPow.ENABLED && !(p == 1f || p == 2f || p == 3f || p == 0.5f || p == -1f || p == 0f);
                for (int i = 0; i < n; i++) {
                    if (library) { // the JDK's vector power: within 1 ulp of the twin's correctly rounded result (SvmlPow)
                        assertTrue(Float.floatToIntBits(s[i]) == Float.floatToIntBits(v[i]) || Math.abs(Float.floatToIntBits(s[i]) - Float.floatToIntBits(v[i])) <= 1,
                                op + "(" + x[i] + ", " + p + ") element " + i + ": " + v[i] + " against the twin's " + s[i]);
                        continue;
                    }
                    assertEquals(Float.floatToIntBits(s[i]), Float.floatToIntBits(v[i]), op + "(" + x[i] + ", " + p + ") element " + i);
                }
            }
        }
    }

    /**
     * Error in float32 ulps of the reference. References below {@code flush} in size count as exact when the result
     * is within it (the exponential flushes results below e^-86.6 = 2.4e-38 to zero, see CpuElementwise.expF32).
     */
    private static double ulps(double want, float got, double flush) {
        if (Double.isNaN(want)) return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        if (Double.isInfinite(want) || Math.abs(want) > Float.MAX_VALUE) return (float) want == got ? 0 : Double.POSITIVE_INFINITY;
        if (Math.abs(want) < flush) return Math.abs(want - got) <= flush ? 0 : Double.POSITIVE_INFINITY;
        return Math.abs(want - got) / Math.ulp((float) Math.abs(want));
    }

    @Test
    void float32ResultsAreWithinTheirUlpBoundsOfTheFloat64Formulas() {
        float[] x = values(4, 1 << 16);
        Object[][] bounds = {
            {UnaryOp.EXP, 0.0, 2.0}, {UnaryOp.LOG, 0.0, 2.0}, {UnaryOp.TANH, 0.0, 3.0}, {UnaryOp.SIGMOID, 0.0, 3.0},
            {UnaryOp.GELU_TANH, 0.0, 3.0}, {UnaryOp.SQRT, 0.0, 0.5}, {UnaryOp.RSQRT, 0.0, 1.5}, {UnaryOp.RECIPROCAL, 0.0, 0.5},
            {UnaryOp.ABS, 0.0, 0.0}, {UnaryOp.LEAKY_RELU, 0.25, 0.5}, {UnaryOp.CLAMP_MIN, -0.5, 0.0}, {UnaryOp.CLAMP_MAX, 0.5, 0.0},
            {UnaryOp.POW_SCALAR, 2.0, 0.5}, {UnaryOp.POW_SCALAR, 3.0, 1.5}, {UnaryOp.POW_SCALAR, 0.5, 0.5}, {UnaryOp.POW_SCALAR, -1.0, 0.5},
            {UnaryOp.POW_SCALAR, 1.5, 0.501}, {UnaryOp.POW_SCALAR, -2.25, 0.501}, {UnaryOp.POW_SCALAR, 0.1, 0.501}, {UnaryOp.POW_SCALAR, 7.0, 0.501}
        };
        for (Object[] b : bounds) {
            UnaryOp op = (UnaryOp) b[0];
            double p = (double) b[1], bound = (double) b[2];
            if (op == UnaryOp.POW_SCALAR && bound == 0.501 && SvmlPow.ENABLED) bound = 1.0; // the JDK's vector power (SvmlPow)
            Tensor out = Tensor.empty(new int[] {x.length}, org.reformer4j.core.DType.F32, org.reformer4j.core.Device.CPU);
            CpuElementwise.unary(op, p, Tensor.of(x, x.length), out);
            float[] y = out.toFloatArray();
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                double want = op.apply(x[i], p);
                double allowed = bound;
                if (op == UnaryOp.GELU_TANH) { // the same function without 1 + tanh's cancellation for x < 0 (float64 rounds it to 0)
                    double u = Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * x[i] * x[i] * x[i]);
                    want = x[i] / (1 + Math.exp(-2 * u));
                    if (!Double.isNaN(u)) allowed += 6 * Math.abs(u); // e^(-2u) magnifies u's float32 rounding (up to 3 ulp: x^3 rounds twice) by |2u|
                }
                if (op == UnaryOp.GELU_TANH && Math.abs(x[i]) > 1e4) continue; // x^3 overflows float32 there (the reference is +-x or 0)
                // GELU-tanh: e^(-2u) overflows to +inf past -2u = 88.7, leaving x / inf = 0 for results below |x| 3e-39
                double e = ulps(want, y[i], op == UnaryOp.GELU_TANH ? 1e-36 : 2.4e-38);
                worst = Math.max(worst, e);
                assertTrue(e <= allowed, op + "(" + x[i] + ", " + p + ") = " + y[i] + ", float64 " + want + ": " + e + " ulp > " + allowed);
            }
            System.out.printf("%s p=%s: worst %.2f ulp over %d values%n", op, p, worst, x.length);
        }
    }

    /** clamp(lo, hi) in one pass gives the bits of clamp_min then clamp_max, vector loop and scalar tail alike. */
    @Test
    void oneVectorPassClampEqualsClampMinThenClampMax() {
        for (int n : new int[] {29, 3 * CpuVector.LANES + 7, 20011}) { // at least the 24 special values
            float[] x = values(n, n);
            for (double[] b : new double[][] {{-0.5, 0.5}, {0.0, 0.0}, {-0.0, 0.0}, {1e-3, 1e30}, {-3.0, -1.0}}) {
                Tensor in = Tensor.of(x, n);
                Tensor one = Tensor.empty(new int[] {n}, org.reformer4j.core.DType.F32, org.reformer4j.core.Device.CPU);
                Tensor two = Tensor.empty(new int[] {n}, org.reformer4j.core.DType.F32, org.reformer4j.core.Device.CPU);
                assertTrue(CpuElementwise.clampF32(in, b[0], b[1], one));
                CpuElementwise.unary(UnaryOp.CLAMP_MIN, b[0], in, two);
                CpuElementwise.unary(UnaryOp.CLAMP_MAX, b[1], two, two);
                float[] o = one.toFloatArray(), t = two.toFloatArray();
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToIntBits(t[i]), Float.floatToIntBits(o[i]), "clamp(" + x[i] + ", " + b[0] + ", " + b[1] + ") n=" + n);
                }
            }
        }
    }
}
