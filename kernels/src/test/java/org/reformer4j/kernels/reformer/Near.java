package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Comparisons of kernel outputs with their twins and references, naming the case and the worst element. */
final class Near {
    private Near() {}

    /** |got - want| <= atol + rtol |want| everywhere; the failure names the worst element. */
    static void close(String what, double[] want, double[] got, double atol, double rtol) {
        if (want.length != got.length) fail(what + ": length " + got.length + ", expected " + want.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i]) && Double.isNaN(got[i])) continue;
            double excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
            if (Double.isNaN(excess)) excess = Double.POSITIVE_INFINITY;
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0)
            fail(what + ": element " + worst + " is " + got[worst] + ", expected " + want[worst] + " (diff "
                    + Math.abs(got[worst] - want[worst]) + ", allowed " + atol + " + " + rtol + " x |expected|)");
    }

    static void close(String what, double[] want, float[] got, double atol, double rtol) {
        close(what, want, widen(got), atol, rtol);
    }

    static void exact(String what, int[] want, int[] got) {
        if (want.length != got.length) fail(what + ": length " + got.length + ", expected " + want.length);
        for (int i = 0; i < want.length; i++)
            if (want[i] != got[i]) fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
    }

    static void exact(String what, float[] want, float[] got) {
        if (want.length != got.length) fail(what + ": length " + got.length + ", expected " + want.length);
        for (int i = 0; i < want.length; i++)
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i]))
                fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] uniform(Random r, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }

    static float[] normal(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
