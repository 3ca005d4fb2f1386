package org.reformer4j.model;

import org.reformer4j.core.Functional;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.random.Generator;

/**
 * The position-wise feed-forward (reformer-pytorch {@code FeedForward}, R:596-623): {@code w2(drop(act(w1 x)))},
 * or with GLU {@code w2(drop(act(a) * gate))} where {@code a, gate} are the halves of {@code w1 x}.
 * Activations: GELU (erf form, default), ReLU, tanh-GELU, SiLU. Shapes: [..., dim] -> [..., dim].
 */
public final class FeedForward extends Module {
    private final ReformerConfig cfg;
    private final Linear w1, w2;

    public FeedForward(ReformerConfig cfg, Generator g) {
        this.cfg = cfg;
        int hidden = cfg.dim * cfg.ffMult;
        w1 = registerModule("w1", new Linear(cfg.dim, hidden * (cfg.ffGlu ? 2 : 1), true, cfg.dtype, g));
        w2 = registerModule("w2", new Linear(hidden, cfg.dim, true, cfg.dtype, g));
    }

    Linear w1() {
        return w1;
    }

    Linear w2() {
        return w2;
    }

    /** No dropout: the output of a position depends on nothing but its input. */
    boolean deterministic() {
        return cfg.ffDropout == 0;
    }

    public Tensor apply(Tensor x, ForwardState s, int layer) {
        Tensor h = w1.forward(x);
        if (!(s.training && cfg.ffDropout > 0) && GradMode.isEnabled() && h.device().isCpu()) {
            // no dropout between: the activation and w2 as one op that keeps w1's output only (not the activation's as
            // well) for backward, recomputing the activation there (at 4096 positions x 1024 that keeps 16 of 32 MiB);
            // not on a device, where memory is plentiful and the recomputation would cost a launch
            return new ActivatedLinear().apply(h, w2.weight().tensor(), w2.bias() == null ? null : w2.bias().tensor());
        }
        return w2.forward(s.dropout(activated(h), cfg.ffDropout, s.replay(layer, 1)));
    }

    /** The activation of w1's output h (GLU: act(first half) * second half). */
    private Tensor activated(Tensor h) {
        if (!cfg.ffGlu) return activate(h);
        int half = h.size(-1) / 2;
        return activate(h.narrow(h.rank() - 1, 0, half)).mul(h.narrow(h.rank() - 1, half, half));
    }

    /**
     * w2(act(h)) whose backward recomputes act(h) from h: the forward's operations are the two ops' apart (the same
     * bits), the backward runs the products and the activation's backward autograd would (FeedForwardGradTest: within
     * 1e-12 in float64), and one [.., hidden] tensor fewer is held from forward to backward.
     * Inputs: h, w2's weight, w2's bias (or null).
     */
    private final class ActivatedLinear extends Function {
        @Override
        protected String name() {
            return "activatedLinear";
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.save(in[0]);
            ctx.put("in", in);
            return Functional.linear(activated(in[0]), in[1], in[2]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor dy) {
            Tensor[] in = ctx.get("in");
            Tensor h = ctx.saved(0), w = in[1], b = in[2];
            Tensor hr = h.detach().requiresGrad(true), a;
            try (var on = GradMode.enableGrad()) {
                a = activated(hr);
            }
            int hidden = a.size(-1), out = w.size(0);
            Tensor g = dy.contiguous().reshape(-1, out), a2 = a.detach().reshape(-1, hidden);
            Tensor dw = w.requiresGrad() ? a2.t().matmul(g).t() : null;
            Tensor db = b != null && b.requiresGrad() ? g.sum(0, false) : null;
            a.backward(g.matmul(w).reshape(a.shape()));
            return new Tensor[] {hr.grad(), dw, db};
        }
    }

    private Tensor activate(Tensor x) {
        return switch (cfg.ffActivation) {
            case "relu" -> x.relu();
            case "gelu_tanh" -> x.geluTanh();
            case "silu" -> x.mul(x.sigmoid());
            default -> x.gelu();
        };
    }
}
