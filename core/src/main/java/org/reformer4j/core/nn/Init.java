package org.reformer4j.core.nn;

import org.reformer4j.core.DType;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * Initial values for parameters (torch.nn.init), drawn from a {@link Generator} so that a seed fixes every
 * weight: uniform {@code lo + (hi - lo) u} and normal {@code mean + std z} in the target dtype (float32
 * numbers from the float32 mapping, float64 from the float64 one), and torch's default {@code Linear}
 * bound {@code 1/sqrt(fanIn)} (kaiming_uniform with a = sqrt(5)). Results are CPU tensors owned by no scope.
 */
public final class Init {
    private Init() {}

    /** U(lo, hi) of the given shape and floating dtype. */
    public static Tensor uniform(int[] shape, double lo, double hi, DType dtype, Generator g) {
        int n = Shape.numel(shape);
        if (dtype == DType.F32) {
            float[] a = new float[n];
            g.uniform(a, (float) lo, (float) hi);
            return host(() -> Tensor.of(a, shape));
        }
        if (dtype == DType.F64) {
            double[] a = new double[n];
            g.uniform(a, lo, hi);
            return host(() -> Tensor.of(a, shape));
        }
        throw new IllegalArgumentException("Init.uniform: floating dtype required, got " + dtype);
    }

    /** N(mean, std^2) of the given shape and floating dtype. */
    public static Tensor normal(int[] shape, double mean, double std, DType dtype, Generator g) {
        int n = Shape.numel(shape);
        if (dtype == DType.F32) {
            float[] a = new float[n];
            g.normal(a, (float) mean, (float) std);
            return host(() -> Tensor.of(a, shape));
        }
        if (dtype == DType.F64) {
            double[] a = new double[n];
            g.normal(a, mean, std);
            return host(() -> Tensor.of(a, shape));
        }
        throw new IllegalArgumentException("Init.normal: floating dtype required, got " + dtype);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor constant(int[] shape, double value, DType dtype) {
        return host(() -> Tensor.full(shape, value, dtype, org.reformer4j.core.Device.CPU));
    }

    /** torch's default bound for a Linear of fan-in {@code fanIn}: 1/sqrt(fanIn) (0 when fanIn is 0). */
    public static double linearBound(int fanIn) {
        return fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
    }

    private static Tensor host(java.util.function.Supplier<Tensor> make) {
        return Scope.detached(make);
    }
}
