package org.reformer4j.kernels;

/**
 * CPU twin of elementwise.cu, on float[]: the same formulas with the same float32 steps (transcendentals
 * through Java's double functions, rounded to float, where the kernel calls the float32 library).
 */
public final class ElementwiseCpu {
    private ElementwiseCpu() {}

    public static float unary(Elementwise.Unary op, float x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> 1.0f / (float) Math.sqrt(x);
            case ABS -> Math.abs(x);
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> 1.0f / (1.0f + (float) Math.exp(-x));
            case RELU -> x > 0f ? x : 0f;
            case GELU -> 0.5f * x * (1.0f + (float) Erf.erf(x * 0.70710678118654752f));
            case GELU_TANH -> {
                float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
                yield 0.5f * x * (1.0f + (float) Math.tanh(inner));
            }
        };
    }

    public static float binary(Elementwise.Binary op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAXIMUM -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.max(a, b);  // fmaxf ignores one NaN
            case MINIMUM -> Float.isNaN(a) ? b : Float.isNaN(b) ? a : Math.min(a, b);
            case POW -> (float) Math.pow(a, b);
            case GT -> a > b ? 1f : 0f;
            case LT -> a < b ? 1f : 0f;
            case EQ -> a == b ? 1f : 0f;
        };
    }

    public static void unary(Elementwise.Unary op, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = unary(op, x[i]);
    }

    /** out (contiguous, outShape) = op(a, b) with a, b read through element strides. */
    public static void binary(Elementwise.Binary op, float[] a, long[] stridesA, float[] b, long[] stridesB,
            float[] out, long[] outShape) {
        long n = 1;
        for (long d : outShape) n *= d;
        for (int i = 0; i < n; i++) {
            long rest = i, offA = 0, offB = 0;
            for (int d = outShape.length - 1; d >= 0; d--) {
                long c = rest % outShape[d];
                rest /= outShape[d];
                offA += c * stridesA[d];
                offB += c * stridesB[d];
            }
            out[i] = binary(op, a[(int) offA], b[(int) offB]);
        }
    }
}
