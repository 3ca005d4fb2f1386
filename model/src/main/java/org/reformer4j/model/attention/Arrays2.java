package org.reformer4j.model.attention;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Sgemm;

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

    /** A new float[] (F32) or double[] (F64) of n elements. */
    static Object newArray(DType dtype, int n) {
        return dtype == DType.F32 ? new float[n] : new double[n];
    }

    /** {@code a} itself for F64, its float32 copy for F32. */
    static Object inDtype(double[] a, DType dtype) {
        if (dtype == DType.F64) return a;
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    /** A contiguous CPU tensor over a float[] or double[] of the dtype (no copy). */
    static Tensor wrap(Object a, DType dtype, int... shape) {
        return Tensor.view(new Storage(Device.CPU, dtype, Shape.numel(shape), a), shape, Shape.contiguousStrides(shape), 0);
    }

    /**
     * c[t] = a[t] @ b[t] for t < batch into a float[] or double[] c (contiguous [batch, m, n]): a [batch, m, k]
     * and b [batch, k, n] given by their arrays (same type as c), batch strides and row/column strides.
     */
    static void bmm(int batch, int m, int n, int k, Object a, int strideA, int rsA, int csA,
                    Object b, int strideB, int rsB, int csB, Object c) {
        if (c instanceof float[] cf) {
            Sgemm.sgemmBatched(batch, m, n, k, 1f, (float[]) a, 0, strideA, rsA, csA, (float[]) b, 0, strideB, rsB, csB,
                    0f, cf, 0, (long) m * n, n);
        } else {
            Sgemm.dgemmBatched(batch, m, n, k, 1.0, (double[]) a, 0, strideA, rsA, csA, (double[]) b, 0, strideB, rsB, csB,
                    0.0, (double[]) c, 0, (long) m * n, n);
        }
    }

    /** dst[0, n) = (double) src[0, n) for a float[] or double[] src. */
    static void toDouble(Object src, double[] dst, int n) {
        if (src instanceof float[] f) for (int i = 0; i < n; i++) dst[i] = f[i];
        else System.arraycopy(src, 0, dst, 0, n);
    }

    /** dst[0, n) = src[0, n) in dst's type (float[]: rounded; double[]: copied). */
    static void fromDouble(double[] src, Object dst, int n) {
        fromDouble(src, dst, 0, n);
    }

    /** All of src into dst from {@code off}, in dst's type. */
    static void fromDoubleAt(double[] src, Object dst, int off) {
        fromDouble(src, dst, off, src.length);
    }

    private static void fromDouble(double[] src, Object dst, int off, int n) {
        if (dst instanceof float[] f) for (int i = 0; i < n; i++) f[off + i] = (float) src[i];
        else System.arraycopy(src, 0, dst, off, n);
    }

    /**
     * The elements of a float32 or float64 CPU tensor, row-major, as its own array when it is contiguous and
     * spans its whole storage (read-only use: no copy), else as a copy.
     */
    static Object hostData(Tensor t) {
        if (t.isContiguous() && t.offset() == 0 && t.storage().length() == t.numel()) return t.storage().data();
        return t.dtype() == DType.F32 ? t.toFloatArray() : t.toDoubleArray();
    }

    /**
     * dst[c ldd + r] = src[so + r lds + c] for r < rows, c < cols: a [rows, cols] block transposed. The attention products
     * take keys and values transposed this way once instead of packing the transposed operand by gathers for every
     * product that reads it (same sums, same bits).
     */
    static void transpose(float[] src, int so, int lds, int rows, int cols, float[] dst, int ldd) {
        for (int r = 0; r < rows; r++) {
            int a = so + r * lds;
            for (int c = 0; c < cols; c++) dst[c * ldd + r] = src[a + c];
        }
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
