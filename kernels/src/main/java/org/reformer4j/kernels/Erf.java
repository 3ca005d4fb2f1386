package org.reformer4j.kernels;

/**
 * erf(x) in float64 for the CPU twins (the JDK has none): the Taylor series of erf for |x| < 2.5, beyond it
 * 1 - erfc(x) from erfc's continued fraction. Accurate to about 1e-15 absolute, far below the float32
 * rounding at which the twins are compared with the kernels.
 */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            // erf(x) = 2/sqrt(pi) * sum_k (-1)^k x^(2k+1) / (k! (2k+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int k = 1; k < 100; k++) {
                term *= -x2 / k;
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else if (ax < 27) {
            // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated backwards
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }
}
