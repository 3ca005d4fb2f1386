package org.reformer4j.model;

import org.reformer4j.core.Tensor;
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
        if (cfg.ffGlu) {
            int half = h.size(-1) / 2;
            h = activate(h.narrow(-1 + h.rank(), 0, half)).mul(h.narrow(h.rank() - 1, half, half));
        } else {
            h = activate(h);
        }
        return w2.forward(s.dropout(h, cfg.ffDropout, s.replay(layer, 1)));
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
