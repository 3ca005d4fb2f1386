package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;

/** CPU twin of tensor_index.cu: the CPU backend's gather, scatterAdd, indexSelect, indexAdd (CpuIndex). */
public final class TensorIndexCpu {
    private TensorIndexCpu() {}

    public static void gather(Tensor src, int dim, Tensor index, Tensor out) {
        Backends.cpu().gather(src, dim, index, out);
    }

    public static void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        Backends.cpu().scatterAdd(dst, dim, index, src);
    }

    public static void indexSelect(Tensor src, int dim, Tensor index, Tensor out) {
        Backends.cpu().indexSelect(src, dim, index, out);
    }

    public static void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        Backends.cpu().indexAdd(dst, dim, index, src);
    }
}
