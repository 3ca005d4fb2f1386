package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The JDK vector power that {@link UnaryVector#powGeneral} takes on AVX-512 machines, against float64 Math.pow: within
 * 1 ulp of the exact power over random bit patterns (every sign, subnormals, infinities, NaN) and exponents of both
 * signs, integer and not; zeros, negatives, infinities and NaN get exactly Math.pow's float result.
 */
class SvmlPowTest {
    @Test
    void withinOneUlpOfTheFloat64PowerAndExactOnSpecialValues() {
        assumeTrue(VectorSupport.ENABLED && SvmlPow.ENABLED, "the JDK's vector power is not compiled on this machine (SvmlPow's rule)");
        int n = 1 << 16;
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] x = new float[n], y = new float[n];
        for (float p : new float[] {1.5f, -2.5f, 0.3f, 7.1f, 1f / 3, -0.75f, 13.7f, -13.7f, 100.5f, 4f, -2f, 5f, 1e-3f}) {
            for (int i = 0; i < n; i++) x[i] = Float.intBitsToFloat(r.nextInt());
            x[0] = 0f; x[1] = -0f; x[2] = Float.POSITIVE_INFINITY; x[3] = Float.NEGATIVE_INFINITY; x[4] = Float.NaN; x[5] = -3f; x[6] = 1f;
            SvmlPow.pow(p, x, 0, y, 0, n);
            for (int i = 0; i < n; i++) {
                double want = Math.pow(x[i], p);
                if (!(x[i] > 0f && x[i] < Float.POSITIVE_INFINITY)) {
                    assertEquals(Float.floatToIntBits((float) want), Float.floatToIntBits(y[i]), "pow(" + x[i] + ", " + p + ")");
                } else if (Math.abs(want) > Float.MAX_VALUE || Math.abs(want) < Float.MIN_NORMAL) {
                    float lo = (float) want, a = Math.nextDown(lo), b = Math.nextUp(lo); // overflow and subnormal results
                    assertTrue(y[i] == lo || y[i] == a || y[i] == b, "pow(" + x[i] + ", " + p + ") = " + y[i] + ", float64 " + want);
                } else {
                    double ulps = Math.abs(want - y[i]) / Math.ulp((float) want);
                    assertTrue(ulps <= 1.0, "pow(" + x[i] + ", " + p + ") = " + y[i] + ", float64 " + want + ": " + ulps + " ulp");
                }
            }
        }
    }
}
