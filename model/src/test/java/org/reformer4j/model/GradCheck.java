package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

/**
 * (The same helper as core's test GradCheck, which model tests cannot see.) Finite-difference gradient check in float64: for a function of several tensors, compares the autograd
 * gradient of {@code sum(f(x) * w)} (w a fixed random weight, so every output element matters differently)
 * with central differences, element by element.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Random float64 tensor with values in [lo, hi), from a seeded Philox stream. */
    public static Tensor rand(long seed, double lo, double hi, int... shape) {
        Tensor u = Tensor.rand(shape, seed, 7, 0, DType.F64, Device.CPU);
        return u.mul(hi - lo).add(lo).detach();
    }

    public static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(name, f, 1e-6, 1e-5, inputs);
    }

    public static void check(String name, Function<Tensor[], Tensor> f, double eps, double tol, Tensor... inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            xs[i] = inputs[i].dtype().isFloating() ? inputs[i].detach().requiresGrad(true) : inputs[i];
        }
        Tensor y = f.apply(xs);
        Tensor w = rand(12345, -1, 1, y.shape());
        Tensor loss = y.mul(w).sum();
        loss.backward();
        for (int i = 0; i < xs.length; i++) {
            if (!xs[i].dtype().isFloating()) continue;
            double[] analytic = xs[i].grad() == null ? new double[xs[i].numel()] : xs[i].grad().toDoubleArray();
            double[] base = xs[i].toDoubleArray();
            int[] shape = xs[i].shape();
            for (int e = 0; e < base.length; e++) {
                double[] plus = base.clone(), minus = base.clone();
                plus[e] += eps;
                minus[e] -= eps;
                double fp = evalWith(f, xs, i, Tensor.of(plus, shape), w);
                double fm = evalWith(f, xs, i, Tensor.of(minus, shape), w);
                double numeric = (fp - fm) / (2 * eps);
                double err = Math.abs(numeric - analytic[e]);
                if (err > tol * Math.max(1.0, Math.abs(numeric))) {
                    fail(name + ": gradient of input " + i + " (shape " + Shape.str(shape) + ") at element " + e
                            + ": autograd " + analytic[e] + ", finite difference " + numeric + " (error " + err + ")");
                }
            }
        }
    }

    private static double evalWith(Function<Tensor[], Tensor> f, Tensor[] xs, int i, Tensor replaced, Tensor w) {
        try (var ng = GradMode.noGrad()) {
            Tensor[] args = xs.clone();
            args[i] = replaced;
            return f.apply(args).mul(w).sum().item();
        }
    }
}
