package org.reformer4j.core.optim;

import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;

/**
 * The Adam/AdamW step of {@link OptimMath} for a parameter that lives on an accelerator: the same formula as
 * torch's {@code _single_tensor_adam}, written as in-place tensor ops so that it runs where the parameter is,
 * with no host copy. Each op rounds to the parameter's dtype, and float32 scalars are rounded first, as in
 * the host loop. Also moves optimizer state between host arrays (checkpoints) and device tensors, so that
 * state follows its parameter's device.
 */
final class DeviceOptimMath {
    private DeviceOptimMath() {}

    /**
     * One Adam step; p, m, v (and vmax with AMSGrad) are updated in place on p's device: by the backend's fused
     * step when it has one for these tensors ({@link Backend#adamStep}), else as the tensor ops below.
     */
    static void adam(OptimMath.AdamStep s, Tensor p, Tensor grad, Tensor m, Tensor v, Tensor vmax) {
        if (grad.dtype() == p.dtype() && Backends.of(p.device()).adamStep(p, grad, m, v, vmax, s.lr(), s.beta1(), s.beta2(),
                s.eps(), s.weightDecay(), s.decoupled(), s.maximize(), s.step())) {
            return;
        }
        boolean f32 = p.dtype() == DType.F32;
        double b1 = r(f32, s.beta1()), b2 = r(f32, s.beta2()), a1 = r(f32, 1 - s.beta1()), a2 = r(f32, 1 - s.beta2());
        double negStep = r(f32, -s.stepSize()), bc2 = r(f32, s.bias2Sqrt()), eps = r(f32, s.eps());
        double wd = r(f32, s.weightDecay()), decay = r(f32, 1 - s.lr() * s.weightDecay());
        boolean l2 = !s.decoupled() && s.weightDecay() != 0, shrink = s.decoupled() && s.weightDecay() != 0;
        try (var ng = GradMode.noGrad(); var scope = Scope.open()) {
            Tensor g = grad.to(p.dtype());
            if (s.maximize()) g = g.neg();
            if (shrink) p.mulInPlace(decay);
            if (l2) g = g.add(p.mul(wd));
            m.mulInPlace(b1).addInPlace(g, a1);                 // m = m b1 + a1 g
            v.mulInPlace(b2).addInPlace(g.mul(a2).mul(g), 1.0);  // v = v b2 + (a2 g) g
            Tensor vd = v;
            if (vmax != null) {
                vmax.copyFrom(vmax.maximum(v));
                vd = vmax;
            }
            Tensor denom = vd.sqrt().div(bc2).add(eps);
            p.addInPlace(m.div(denom), negStep);                 // p += negStep * (m / denom)
        }
    }

    private static double r(boolean f32, double x) {
        return f32 ? (float) x : x;
    }

    /** Zero state of p's shape on p's device (owned by no scope). */
    static Tensor zeros(Tensor p) {
        return Scope.detached(() -> Tensor.zeros(p.shape(), p.dtype(), p.device()));
    }

    /** State on p's device: a host array is uploaded once, a tensor elsewhere is moved; null stays null. */
    static Tensor onDevice(Object state, Tensor p) {
        if (state == null) return null;
        if (state instanceof Tensor t) return t.device().equals(p.device()) ? t : Scope.detached(() -> t.to(p.device()));
        Tensor host = state instanceof double[] d ? Tensor.of(d, p.shape()) : Tensor.of((float[]) state, p.shape());
        return Scope.detached(() -> host.to(p.device()));
    }

    /** State as the host array the CPU loops and checkpoints use (a device tensor is copied back). */
    static Object onHost(Object state, DType dtype) {
        if (!(state instanceof Tensor t)) return state;
        return dtype == DType.F64 ? t.toDoubleArray() : t.toFloatArray();
    }
}
