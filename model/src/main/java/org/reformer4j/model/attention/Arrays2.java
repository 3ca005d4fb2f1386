package org.reformer4j.model.attention;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;

/**
 * Host-array helpers of the fused attention kernels: they compute in float64 arrays and hand the
 * dense products to {@link Tensor#matmul} in the model's dtype. {@link #round} rounds an intermediate to
 * float32 when the model runs in float32, at the points where torch's float32 ops round.
 */
final class Arrays2 {
    private Arrays2() {}

    /** A contiguous CPU tensor of {@code dtype} holding {@code a} (no copy for float64). */
    static Tensor tensor(double[] a, DType dtype, int... shape) {
        int n = Shape.numel(shape);
        if (dtype == DType.F64) return Tensor.view(new Storage(Device.CPU, DType.F64, n, a), shape, Shape.contiguousStrides(shape), 0);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) a[i];
        return Tensor.view(new Storage(Device.CPU, DType.F32, n, f), shape, Shape.contiguousStrides(shape), 0);
    }

    /** Rounds to float when {@code f32}. */
    static double round(boolean f32, double x) {
        return f32 ? (float) x : x;
    }

    /** The most negative finite value of the dtype (torch's {@code -finfo(dtype).max}). */
    static double maskValue(DType dtype) {
        return dtype == DType.F32 ? -Float.MAX_VALUE : -Double.MAX_VALUE;
    }
}
