package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;

/** CPU twin of cross_entropy_rows.cu: the CPU backend's crossEntropyRows and its backward (CpuCrossEntropy). */
public final class CrossEntropyRowsCpu {
    private CrossEntropyRowsCpu() {}

    public static void forward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor loss) {
        Backends.cpu().crossEntropyRows(logits, target, ignoreIndex, lse, loss);
    }

    public static void backward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor scale,
            Tensor dlogits) {
        Backends.cpu().crossEntropyRowsBackward(logits, target, ignoreIndex, lse, scale, dlogits);
    }
}
