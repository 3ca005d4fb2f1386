package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;

/**
 * CPU twin of tensor_copy.cu: the CPU backend's copy and fill (CpuElementwise), the reference the kernels
 * follow conversion for conversion. Operands are CPU tensors.
 */
public final class TensorCopyCpu {
    private TensorCopyCpu() {}

    public static void copy(Tensor src, Tensor dst) {
        Backends.cpu().copy(src, dst);
    }

    public static void fill(Tensor dst, double value) {
        Backends.cpu().fill(dst, value);
    }
}
