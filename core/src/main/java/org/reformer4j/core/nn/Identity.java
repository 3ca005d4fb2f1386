package org.reformer4j.core.nn;

import org.reformer4j.core.Tensor;

/** torch.nn.Identity: returns its input (a placeholder that keeps sub-module indices, e.g. {@code out.1}). */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
