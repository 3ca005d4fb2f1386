package org.reformer4j.core.nn;

import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;

/**
 * A trainable tensor of a {@link Module} (torch.nn.Parameter): a floating leaf tensor that requires grad,
 * owned by no {@link Scope} (it lives as long as its module). Loading a state dict or an optimizer step
 * writes into the same tensor, so references held by optimizers stay valid; {@link Module#to} moves it to
 * another device (a new tensor there: hold the Parameter, not its tensor, across a move).
 */
public final class Parameter {
    private Tensor data;

    /** A parameter holding a copy of {@code init} (so a temporary made inside a scope may be passed). */
    public Parameter(Tensor init) {
        if (init == null) throw new IllegalArgumentException("Parameter: null tensor");
        if (!init.dtype().isFloating()) {
            throw new IllegalArgumentException("Parameter: only float32/float64 tensors can be parameters, got "
                    + init.dtype());
        }
        try (var ng = GradMode.noGrad()) {
            this.data = Scope.detached(() -> init.detach().clone());
        }
        data.requiresGrad(true);
    }

    /** The leaf tensor to use in forward passes. */
    public Tensor tensor() {
        return data;
    }

    /** The accumulated gradient, or null before the first backward (or after {@link #zeroGrad}). */
    public Tensor grad() {
        return data.grad();
    }

    /** Drops the gradient (torch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        data.zeroGrad();
    }

    public int[] shape() {
        return data.shape();
    }

    public int numel() {
        return data.numel();
    }

    /** Overwrites the values with {@code src} (same shape; converted to this dtype), outside autograd. */
    public void copyFrom(Tensor src) {
        if (!java.util.Arrays.equals(src.shape(), data.shape())) {
            throw new IllegalArgumentException("Parameter.copyFrom: source of shape "
                    + java.util.Arrays.toString(src.shape()) + " for a parameter of shape "
                    + java.util.Arrays.toString(data.shape()));
        }
        try (var ng = GradMode.noGrad()) {
            data.copyFrom(src);
        }
    }

    /** Moves the values (and the gradient, if any) to {@code device}; nothing happens when already there. */
    void moveTo(Device device) {
        if (data.device().equals(device)) return;
        Tensor g = data.grad();
        try (var ng = GradMode.noGrad()) {
            Tensor moved = Scope.detached(() -> data.detach().to(device));
            if (g != null) moved.setGrad(Scope.detached(() -> g.detach().to(device)));
            data = moved;
        }
        data.requiresGrad(true);
    }

    @Override
    public String toString() {
        return "Parameter" + java.util.Arrays.toString(data.shape()) + " " + data.dtype();
    }
}
