package org.reformer4j.kernels.backend;

import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;

/**
 * Backend.matmul in float32 through the runtime's strided-batched SGEMM (cuBLAS on the GPU, the CPU GEMM on
 * the emulator). cuBLAS is column-major, so the row-major product C = A B is computed as the column-major
 * C^T = B^T A^T: each operand is passed as it lies in memory, untransposed when its rows are unit-stride in
 * the column-major sense and transposed when its columns are; an operand that is neither (or whose
 * leading-dimension span would reach past its buffer) is first copied dense on the device.
 * Shapes: a [batch, m, k], b [batch, k, n] with one batch stride each (0 to share), out [batch, m, n] dense.
 */
final class CublasMatmul {
    private CublasMatmul() {}

    /** How a column-major R x C view Z(r, c) = base[r*sr + c*sc] is handed to cuBLAS, or null if it cannot be. */
    record Layout(boolean transposed, int ld) {}

    static Layout layout(int rows, int cols, long sr, long sc) {
        if ((sr == 1 || rows == 1) && (cols == 1 || sc >= Math.max(1, rows)))
            return new Layout(false, cols == 1 ? Math.max(1, rows) : (int) sc);
        if ((sc == 1 || cols == 1) && (rows == 1 || sr >= Math.max(1, cols)))
            return new Layout(true, rows == 1 ? Math.max(1, cols) : (int) sr);
        return null;
    }

    /** The operand as cuBLAS reads it: a tensor (maybe a dense copy), its layout and its batch stride. */
    private record Operand(Tensor t, Layout layout, long batchStride, Tensor copy) {}

    /** t [batch, r0, c0] as the column-major c0 x r0 matrix Z(r, c) = t[c][r] (its transpose), per batch. */
    private static Operand operand(CudaRuntime rt, Tensor t, int batch) {
        int rows = t.size(2), cols = t.size(1);  // column-major view of t^T: Z(r, c) = t[c][r]
        int[] st = t.strides();
        long bstride = batch == 1 ? 0 : st[0];
        Layout l = layout(rows, cols, st[2], st[1]);
        if (l != null && fits(t, l, rows, cols, bstride, batch)) return new Operand(t, l, bstride, null);
        int copies = bstride == 0 ? 1 : batch;
        Tensor dense = DeviceTensors.temporary(rt, t, t.dtype(), new int[] {copies, cols, rows});
        TensorCopy.copy(copies == batch ? t : t.narrow(0, 0, 1), dense);
        return new Operand(dense, layout(rows, cols, 1, rows), copies == 1 ? 0 : (long) rows * cols, dense);
    }

    /** The runtime checks ld * (stored columns) floats from the offset; a view near its buffer's end may fail it. */
    private static boolean fits(Tensor t, Layout l, int rows, int cols, long bstride, int batch) {
        long stored = l.transposed() ? rows : cols;
        long end = t.offset() + (batch - 1) * bstride + (long) l.ld() * stored;
        return end <= t.storage().length();
    }

    static void sgemm(Tensor a, Tensor b, Tensor out) {
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) {
            TensorCopy.fill(out, 0);
            return;
        }
        CudaRuntime rt = DeviceTensors.runtime("matmul", out);
        Operand x = operand(rt, b, batch);  // column-major n x k: B^T
        Operand y = operand(rt, a, batch);  // column-major k x m: A^T
        try {
            rt.sgemmStridedBatched(x.layout().transposed(), y.layout().transposed(), n, m, k, 1f,
                    DeviceTensors.buffer("matmul", x.t()), x.t().offset(), x.layout().ld(), x.batchStride(),
                    DeviceTensors.buffer("matmul", y.t()), y.t().offset(), y.layout().ld(), y.batchStride(), 0f,
                    DeviceTensors.buffer("matmul", out), out.offset(), n, (long) m * n, batch);
        } finally {
            DeviceTensors.free(x.copy());
            DeviceTensors.free(y.copy());
        }
    }
}
