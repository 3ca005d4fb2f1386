package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Comparisons of a kernel's output with its CPU twin, naming the case and the worst element. */
final class Check {
    private Check() {}

    /** |got - want| <= atol + ulps * ulp(want) everywhere (NaN matches NaN, infinities must be equal). */
    static void close(String what, float[] want, float[] got, int ulps, double atol) {
        if (want.length != got.length) fail(what + ": length " + got.length + ", expected " + want.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < want.length; i++) {
            float w = want[i], g = got[i];
            if (Float.isNaN(w) || Float.isNaN(g)) {
                if (Float.isNaN(w) != Float.isNaN(g)) fail(what + ": element " + i + " is " + g + ", expected " + w);
                continue;
            }
            if (Float.isInfinite(w) || Float.isInfinite(g)) {
                if (w != g) fail(what + ": element " + i + " is " + g + ", expected " + w);
                continue;
            }
            double excess = Math.abs((double) g - w) - (atol + ulps * (double) Math.ulp(w));
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0)
            fail(what + ": element " + worst + " is " + got[worst] + ", expected " + want[worst] + " (diff "
                    + Math.abs(got[worst] - want[worst]) + ", allowed " + atol + " + " + ulps + " ulp)");
    }

    static void exact(String what, int[] want, int[] got) {
        if (want.length != got.length) fail(what + ": length " + got.length + ", expected " + want.length);
        for (int i = 0; i < want.length; i++)
            if (want[i] != got[i]) fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
    }

    static float[] uniform(Random r, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }
}
