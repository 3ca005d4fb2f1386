package org.reformer4j.core.optim;

import java.util.List;
import org.reformer4j.core.nn.Parameter;

/**
 * torch.optim.AdamW: Adam with decoupled weight decay, {@code p *= 1 - lr * wd} before the Adam update
 * (no L2 term in the gradient). torch's default weight decay is 0.01.
 */
public final class AdamW extends Adam {
    /** torch defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean amsgrad) {
        super("AdamW", params, lr, beta1, beta2, eps, weightDecay, amsgrad, false, true);
    }
}
