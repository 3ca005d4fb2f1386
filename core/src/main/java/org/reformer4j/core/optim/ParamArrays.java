package org.reformer4j.core.optim;

import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * Host-array access to a tensor for the optimizer loops: a contiguous CPU tensor is updated in place
 * through its storage array (offset included); any other (another device, strided) goes through a host
 * copy that {@link #writeBack} copies into the tensor.
 */
final class ParamArrays {
    final Tensor tensor;
    final Object array;
    final int offset;
    private final boolean direct;

    private ParamArrays(Tensor tensor, Object array, int offset, boolean direct) {
        this.tensor = tensor;
        this.array = array;
        this.offset = offset;
        this.direct = direct;
    }

    static ParamArrays of(Tensor t) {
        if (t.device().isCpu() && t.isContiguous()) return new ParamArrays(t, t.storage().data(), t.offset(), true);
        Object host = t.dtype() == DType.F64 ? t.toDoubleArray() : t.toFloatArray();
        return new ParamArrays(t, host, 0, false);
    }

    /** A read-only view of {@code g} as an array of {@code dtype} (converted on the host when needed). */
    static ParamArrays read(Tensor g, DType dtype) {
        if (g.dtype() == dtype) return of(g);
        Object host = dtype == DType.F64 ? g.toDoubleArray() : g.toFloatArray();
        return new ParamArrays(g, host, 0, false);
    }

    float[] floats() {
        return (float[]) array;
    }

    double[] doubles() {
        return (double[]) array;
    }

    /** Copies a host copy back into the tensor (nothing to do for in-place access). */
    void writeBack() {
        if (direct) return;
        int[] shape = tensor.shape();
        Tensor src = array instanceof double[] d ? Tensor.of(d, shape) : Tensor.of((float[]) array, shape);
        try (var ng = GradMode.noGrad()) {
            tensor.copyFrom(src);
        }
    }
}
