package org.reformer4j.core;

/**
 * Elementwise functions of two tensors (broadcast to one shape), including the gradient helpers of the
 * unary family ({@code *_BACKWARD(grad, x)}) so that a backward pass is one fused loop. {@link #apply}
 * is the float64 reference formula. Comparisons return 1 or 0 and produce bool tensors.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE, AND, OR,
    /** grad * gelu'(x), erf form. */
    GELU_BACKWARD,
    /** grad * gelu'(x), tanh form. */
    GELU_TANH_BACKWARD,
    /** grad * (x > 0). */
    RELU_BACKWARD,
    /** grad * (1 - y^2), given y = tanh(x). */
    TANH_BACKWARD,
    /** grad * y (1 - y), given y = sigmoid(x). */
    SIGMOID_BACKWARD;

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE, AND, OR -> true;
            default -> false;
        };
    }

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAXIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MINIMUM -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case AND -> a != 0 && b != 0 ? 1 : 0;
            case OR -> a != 0 || b != 0 ? 1 : 0;
            case GELU_BACKWARD -> a * (0.5 * (1.0 + UnaryOp.erf(b / Math.sqrt(2.0))) + b * INV_SQRT_2PI * Math.exp(-0.5 * b * b));
            case GELU_TANH_BACKWARD -> {
                double u = SQRT_2_OVER_PI * (b + 0.044715 * b * b * b);
                double t = Math.tanh(u);
                double du = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * b * b);
                yield a * (0.5 * (1.0 + t) + 0.5 * b * (1.0 - t * t) * du);
            }
            case RELU_BACKWARD -> b > 0 ? a : 0.0;
            case TANH_BACKWARD -> a * (1.0 - b * b);
            case SIGMOID_BACKWARD -> a * b * (1.0 - b);
        };
    }
}
