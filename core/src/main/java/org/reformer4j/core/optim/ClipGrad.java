package org.reformer4j.core.optim;

import java.util.Collection;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): the total norm is the norm of the
 * per-parameter gradient norms (2-norm by default, or max |g| for an infinite norm type), accumulated
 * here in float64; every gradient is multiplied by {@code min(1, maxNorm / (total + 1e-6))}. Parameters
 * without a gradient are skipped. Returns the total norm before clipping.
 */
public final class ClipGrad {
    private ClipGrad() {}

    /** Clips to a global 2-norm of {@code maxNorm}; returns the norm before clipping. */
    public static double clipGradNorm(Collection<Parameter> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0, false);
    }

    /**
     * Clips to a global {@code normType}-norm ({@code Double.POSITIVE_INFINITY} for the max norm). With
     * {@code errorIfNonFinite}, a NaN or infinite total is an error instead of poisoning every gradient.
     */
    public static double clipGradNorm(Collection<Parameter> params, double maxNorm, double normType,
                                      boolean errorIfNonFinite) {
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("clipGradNorm: maxNorm must be >= 0, got " + maxNorm);
        if (!(normType > 0)) throw new IllegalArgumentException("clipGradNorm: normType must be > 0, got " + normType);
        boolean inf = Double.isInfinite(normType);
        double acc = 0;
        boolean any = false;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            any = true;
            double[] v = g.toDoubleArray();
            double n = 0;
            if (inf) {
                for (double x : v) n = Math.max(n, Math.abs(x));
                if (Double.isNaN(n) || hasNaN(v)) n = Double.NaN;
                acc = Double.isNaN(n) ? n : Math.max(acc, n);
            } else if (normType == 2) {
                for (double x : v) n += x * x;
                acc += n;
            } else {
                for (double x : v) n += Math.pow(Math.abs(x), normType);
                acc += n;
            }
        }
        if (!any) return 0.0;
        double total = inf ? acc : normType == 2 ? Math.sqrt(acc) : Math.pow(acc, 1 / normType);
        if (!Double.isFinite(total) && errorIfNonFinite) {
            throw new IllegalStateException("clipGradNorm: the total gradient norm is " + total
                    + "; the gradients hold NaN or infinite values");
        }
        double coef = Math.min(1.0, maxNorm / (total + 1e-6));
        if (coef < 1.0 || Double.isNaN(coef)) {
            for (Parameter p : params) {
                Tensor g = p.grad();
                if (g != null) g.mulInPlace(g.dtype() == DType.F64 ? coef : (float) coef);
            }
        }
        return total;
    }

    private static boolean hasNaN(double[] v) {
        for (double x : v) if (Double.isNaN(x)) return true;
        return false;
    }
}
