package org.reformer4j.core.cpu;

import static org.reformer4j.core.cpu.CpuElementwise.LN2_HI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_LO;
import static org.reformer4j.core.cpu.CpuElementwise.expF32;

/**
 * Float32 tanh, sigmoid, GELU (tanh form) and log from IEEE operations only: the scalar twins of
 * {@link UnaryVector}'s loops, bit for bit (the same operations in the same order), so that a result does not
 * depend on whether a run went through the vector loop, its tail, or the scalar path. torch computes these in
 * float32 too; the float64 formulas of {@link org.reformer4j.core.UnaryOp#apply} are the test oracle.
 * Accuracy against them (UnaryVectorTest): log within 1.1 ulp, tanh 2.5, sigmoid 2; GELU-tanh 3 ulp plus 6|u| ulp
 * where e^(-2u) magnifies the float32 rounding of u (the far negative tail, x below about -3).
 */
final class TranscendentalF32 {
    private TranscendentalF32() {}

    // tanh(|x|) = -E / (2 + E) with E = e^(-2|x|) - 1 (expm1NonPositiveF32: relative accuracy near 0, so small
    // arguments need no separate polynomial), the sign of x put back on the bits.
    static float tanhF32(float x) {
        float e = expm1NonPositiveF32(Math.abs(x) * -2f);
        float th = -e / (2f + e);
        return Float.intBitsToFloat((Float.floatToRawIntBits(th) & 0x7FFFFFFF) | (Float.floatToRawIntBits(x) & 0x80000000));
    }

    /** e^t - 1 for t <= 0 or NaN: the twin of CpuVector.expm1NonPositive (see there). */
    static float expm1NonPositiveF32(float t) {
        float n = Math.fma(t, CpuElementwise.LOG2E, CpuElementwise.ROUNDER) - CpuElementwise.ROUNDER;
        float r = Math.fma(n, -LN2_HI, t);
        r = Math.fma(n, -LN2_LO, r);
        float q = Math.fma(r, CpuElementwise.E7, CpuElementwise.E6);
        q = Math.fma(q, r, CpuElementwise.E5);
        q = Math.fma(q, r, CpuElementwise.E4);
        q = Math.fma(q, r, CpuElementwise.E3);
        q = Math.fma(q, r, 0.5f);
        q = Math.fma(q, r, 1f);
        float two = Float.intBitsToFloat(((int) n + 127) << 23);
        float e = Math.fma(two * q, r, two - 1f);
        return t < CpuElementwise.EXP_LO ? -1f : e;
    }

    /** 1 / (1 + e^-x). */
    static float sigmoidF32(float x) {
        return 1f / (1f + expF32(-x));
    }

    // GELU, tanh form: x/2 (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), computed as x / (1 + e^(-2u))
    // (the same function: (1 + tanh u) / 2 = 1 / (1 + e^-2u)), which keeps relative accuracy for negative x.
    static final float GELU_TANH_K = -1.5957691216f, GELU_TANH_C = 0.044715f;

    static float geluTanhF32(float x) {
        float u = Math.fma(x * x * x, GELU_TANH_C, x);
        return x / (1f + expF32(GELU_TANH_K * u));
    }

    // log(x) = k ln2 + log1p(f): x = 2^k m with m in [sqrt(1/2), sqrt 2) found on the bits (subnormals scaled by
    // 2^23 first), f = m - 1 exact, log1p(f) = f - f^2/2 + f^3 P(f) (minimax fit of relative error 6e-9).
    static final float L0 = 0.333333313f, L1 = -0.250008196f, L2 = 0.200012252f, L3 = -0.166233659f, L4 = 0.142017916f,
            L5 = -0.131601274f, L6 = 0.127613083f, L7 = -0.0763430446f;
    static final int SQRT_HALF_BITS = 0x3F3504F3, MIN_NORMAL_BITS = 0x00800000;
    static final float TWO_23 = 8388608f;

    static float logF32(float x) {
        int bits = Float.floatToRawIntBits(x);
        boolean sub = bits < MIN_NORMAL_BITS; // subnormal, zero or negative (the last two replaced below)
        int b = sub ? Float.floatToRawIntBits(x * TWO_23) : bits;
        int k = (b - SQRT_HALF_BITS) >> 23;
        float f = Float.intBitsToFloat(b - (k << 23)) - 1f;
        float p = Math.fma(f, L7, L6);
        p = Math.fma(p, f, L5);
        p = Math.fma(p, f, L4);
        p = Math.fma(p, f, L3);
        p = Math.fma(p, f, L2);
        p = Math.fma(p, f, L1);
        p = Math.fma(p, f, L0);
        float f2 = f * f;
        float r = Math.fma(f2 * f, p, Math.fma(f2, -0.5f, f));
        float kf = (float) (sub ? k - 23 : k);
        float y = Math.fma(kf, LN2_HI, Math.fma(kf, LN2_LO, r));
        if (x < 0f) y = Float.NaN;
        if (x == 0f) y = Float.NEGATIVE_INFINITY;
        if (x == Float.POSITIVE_INFINITY) y = x;
        return x != x ? x : y;
    }

    // x^p for positive finite float x and a finite exponent, in float64: ln x = k ln2 + 2 atanh(s) with
    // s = f / (2 + f), f = m - 1 (m, k from the float's bits as in logF32; the atanh series to s^15, truncation
    // below 4e-14 for |s| <= 0.172), y = p ln x clamped into [-200, 200] (beyond either end the float result is 0
    // or +inf all the same), e^y by n = rint(y log2 e), y - n ln2 (ln2 in two parts), a degree-11 Taylor
    // polynomial (truncation 6e-15) and 2^n from the exponent bits; one rounding to float32 at the end, so the
    // result is the correctly rounded float but for values within ~1e-13 of a rounding midpoint. Other x (zero,
    // negative, infinite, NaN) take Math.pow, whose special cases are Java's.
    static final double A1 = 1.0 / 3, A2 = 1.0 / 5, A3 = 1.0 / 7, A4 = 1.0 / 9, A5 = 1.0 / 11, A6 = 1.0 / 13, A7 = 1.0 / 15;
    static final double LN2 = 0.6931471805599453, LN2_HI_D = 0.6931471803691238, LN2_LO_D = 1.9082149292705877e-10;
    static final double LOG2E_D = 1.4426950408889634, ROUNDER_D = 6755399441055744.0, POW_CLAMP = 200;
    static final double[] EXP_TAYLOR = {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120,
        1.0 / 24, 1.0 / 6, 0.5, 1, 1};

    static float powF32(float x, double p) {
        if (!(x > 0f && x < Float.POSITIVE_INFINITY)) return (float) Math.pow(x, p);
        int bits = Float.floatToRawIntBits(x);
        boolean sub = bits < MIN_NORMAL_BITS;
        int b = sub ? Float.floatToRawIntBits(x * TWO_23) : bits;
        int k = (b - SQRT_HALF_BITS) >> 23;
        double f = (double) Float.intBitsToFloat(b - (k << 23)) - 1.0;
        double s = f / (2.0 + f), s2 = s * s;
        double r = Math.fma(s2, A7, A6);
        r = Math.fma(r, s2, A5);
        r = Math.fma(r, s2, A4);
        r = Math.fma(r, s2, A3);
        r = Math.fma(r, s2, A2);
        r = Math.fma(r, s2, A1);
        r = Math.fma(r, s2, 1.0);
        double kd = sub ? k - 23 : k;
        double y = p * Math.fma(kd, LN2, 2 * s * r);
        y = y > POW_CLAMP ? POW_CLAMP : y < -POW_CLAMP ? -POW_CLAMP : y;
        double n = Math.fma(y, LOG2E_D, ROUNDER_D) - ROUNDER_D;
        double t = Math.fma(n, -LN2_HI_D, y);
        t = Math.fma(n, -LN2_LO_D, t);
        double e = EXP_TAYLOR[0];
        for (int i = 1; i < EXP_TAYLOR.length; i++) e = Math.fma(e, t, EXP_TAYLOR[i]);
        return (float) (e * Double.longBitsToDouble(((long) n + 1023) << 52));
    }
}
