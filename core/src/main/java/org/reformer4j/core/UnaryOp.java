package org.reformer4j.core;

/**
 * Elementwise functions of one tensor (and an optional scalar parameter {@code p}). {@link #apply} is the
 * reference formula in float64: the CPU backend's scalar path, the tail of its vector loops and the test
 * oracle for every other backend.
 */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, ABS, SIGN, TANH, SIGMOID, RELU, GELU, GELU_TANH, LEAKY_RELU, SIN, COS, ERF,
    POW_SCALAR, ADD_SCALAR, MUL_SCALAR, RSUB_SCALAR, CLAMP_MIN, CLAMP_MAX, RECIPROCAL, SQUARE, LOGICAL_NOT;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    public double apply(double x, double p) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case RELU -> x > 0 ? x : 0.0;
            case GELU -> 0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case LEAKY_RELU -> x > 0 ? x : p * x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ERF -> erf(x);
            case POW_SCALAR -> Math.pow(x, p);
            case ADD_SCALAR -> x + p;
            case MUL_SCALAR -> x * p;
            case RSUB_SCALAR -> p - x;
            case CLAMP_MIN -> Double.isNaN(x) ? x : Math.max(x, p);
            case CLAMP_MAX -> Double.isNaN(x) ? x : Math.min(x, p);
            case RECIPROCAL -> 1.0 / x;
            case SQUARE -> x * x;
            case LOGICAL_NOT -> x == 0 ? 1.0 : 0.0;
        };
    }

    /**
     * erf(x) to about 1e-16 relative: a Taylor series for |x| < 2.5, a continued fraction for erfc
     * beyond (W. J. Cody's split points; the coefficients are the textbook series, not a fitted table).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 2.5) {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 80; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            return 2.0 / Math.sqrt(Math.PI) * sum;
        }
        if (ax > 6.0) return Math.copySign(1.0, x);
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
        double f = ax;
        for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return Math.copySign(1.0 - erfc, x);
    }
}
