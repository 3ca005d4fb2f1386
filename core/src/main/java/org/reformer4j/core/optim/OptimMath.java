package org.reformer4j.core.optim;

import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * The CPU update loops of the optimizers over flat arrays, element by element in the order of torch's
 * single-tensor implementations ({@code torch/optim/sgd.py _single_tensor_sgd}, {@code adam.py
 * _single_tensor_adam}, {@code adamw.py _single_tensor_adamw}), each intermediate rounded to the
 * parameter's dtype as torch's in-place tensor ops do (scalars cast to that dtype first). These loops are
 * the reference that a device kernel must match.
 */
final class OptimMath {
    private static final int GRAIN = 1 << 15;

    private OptimMath() {}

    /** Hyper-parameters of one Adam/AdamW step, the scalars torch computes in Python (float64). */
    record AdamStep(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                    boolean amsgrad, boolean maximize, long step) {
        double stepSize() {
            return lr / (1 - Math.pow(beta1, step));
        }

        double bias2Sqrt() {
            return Math.sqrt(1 - Math.pow(beta2, step));
        }
    }

    /**
     * One Adam (decoupled = false: L2 term added to the gradient) or AdamW (decoupled: {@code p *= 1 - lr*wd}
     * first) step on n float32 elements: {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g g},
     * {@code denom = sqrt(v) / sqrt(1 - b2^t) + eps}, {@code p -= lr / (1 - b1^t) * m / denom}.
     * {@code vmax} is the AMSGrad running maximum (null without AMSGrad).
     */
    static void adam(AdamStep s, float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n) {
        final float b1 = (float) s.beta1(), b2 = (float) s.beta2();
        final float a1 = (float) (1 - s.beta1()), a2 = (float) (1 - s.beta2());
        final float negStep = (float) -s.stepSize(), bc2 = (float) s.bias2Sqrt(), eps = (float) s.eps();
        final float wd = (float) s.weightDecay(), decay = (float) (1 - s.lr() * s.weightDecay());
        final boolean l2 = !s.decoupled() && s.weightDecay() != 0, shrink = s.decoupled() && s.weightDecay() != 0;
        Parallel.forRange(n, GRAIN, (from, to) -> {
            int i0 = !VectorSupport.ENABLED ? from : AdamVector.adam(p, po, g, go, m, v, vmax, from, to, s.maximize(),
                    shrink, decay, l2, wd, b1, a1, b2, a2, bc2, eps, negStep);
            for (int i = i0; i < to; i++) {
                float gi = s.maximize() ? -g[go + i] : g[go + i];
                float pi = p[po + i];
                if (shrink) pi = pi * decay;
                if (l2) gi = gi + wd * pi;
                float mi = m[i] * b1 + a1 * gi;
                float vi = v[i] * b2 + a2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                float vd = vi;
                if (vmax != null) {
                    vd = Math.max(vmax[i], vi);
                    vmax[i] = vd;
                }
                float denom = (float) Math.sqrt(vd) / bc2 + eps;
                p[po + i] = pi + negStep * (mi / denom);
            }
        });
    }

    /** The float64 twin of {@link #adam(AdamStep, float[], int, float[], int, float[], float[], float[], int)}. */
    static void adam(AdamStep s, double[] p, int po, double[] g, int go, double[] m, double[] v, double[] vmax, int n) {
        final double b1 = s.beta1(), b2 = s.beta2(), a1 = 1 - s.beta1(), a2 = 1 - s.beta2();
        final double negStep = -s.stepSize(), bc2 = s.bias2Sqrt(), eps = s.eps();
        final double wd = s.weightDecay(), decay = 1 - s.lr() * s.weightDecay();
        final boolean l2 = !s.decoupled() && wd != 0, shrink = s.decoupled() && wd != 0;
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                double gi = s.maximize() ? -g[go + i] : g[go + i];
                double pi = p[po + i];
                if (shrink) pi = pi * decay;
                if (l2) gi = gi + wd * pi;
                double mi = m[i] * b1 + a1 * gi;
                double vi = v[i] * b2 + a2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                double vd = vi;
                if (vmax != null) {
                    vd = Math.max(vmax[i], vi);
                    vmax[i] = vd;
                }
                double denom = Math.sqrt(vd) / bc2 + eps;
                p[po + i] = pi + negStep * (mi / denom);
            }
        });
    }

    /** Hyper-parameters of one SGD step. {@code first}: the momentum buffer is created (= d_p) this step. */
    record SgdStep(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                   boolean maximize, boolean first) {}

    /**
     * One SGD step on n float32 elements: {@code d = g + wd p}; with momentum {@code buf = first ? d :
     * mu buf + (1 - dampening) d} and {@code d = nesterov ? d + mu buf : buf}; then {@code p -= lr d}.
     * {@code buf} is null without momentum.
     */
    static void sgd(SgdStep s, float[] p, int po, float[] g, int go, float[] buf, int n) {
        final float wd = (float) s.weightDecay(), mu = (float) s.momentum(), damp = (float) (1 - s.dampening());
        final float negLr = (float) -s.lr();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float d = s.maximize() ? -g[go + i] : g[go + i];
                if (wd != 0) d = d + wd * p[po + i];
                if (buf != null) {
                    float b = s.first() ? d : buf[i] * mu + damp * d;
                    buf[i] = b;
                    d = s.nesterov() ? d + mu * b : b;
                }
                p[po + i] = p[po + i] + negLr * d;
            }
        });
    }

    /** The float64 twin of {@link #sgd(SgdStep, float[], int, float[], int, float[], int)}. */
    static void sgd(SgdStep s, double[] p, int po, double[] g, int go, double[] buf, int n) {
        final double wd = s.weightDecay(), mu = s.momentum(), damp = 1 - s.dampening(), negLr = -s.lr();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                double d = s.maximize() ? -g[go + i] : g[go + i];
                if (wd != 0) d = d + wd * p[po + i];
                if (buf != null) {
                    double b = s.first() ? d : buf[i] * mu + damp * d;
                    buf[i] = b;
                    d = s.nesterov() ? d + mu * b : b;
                }
                p[po + i] = p[po + i] + negLr * d;
            }
        });
    }
}
