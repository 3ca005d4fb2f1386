package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of sort_rows.cu: stable sort of each row of a contiguous [R, C] CUDA tensor, ascending or
 * descending, keeping the first k values and their int64 indices (Backend.sortRows: sort, argsort, topk).
 * CPU twin: {@link SortRowsCpu}.
 */
public final class SortRows {
    static final KernelSource SOURCE = KernelSource.load(SortRows.class, "sort_rows.cu");
    /** Rows longer than this are refused (the index scratch is [R, next power of two]). */
    static final int MAX_COLS = 1 << 24;

    private SortRows() {}

    public static void sort(Tensor a, boolean descending, int k, Tensor values, Tensor indices) {
        if (a.rank() != 2 || !DeviceTensors.isContiguous(a))
            throw new IllegalArgumentException("sortRows: needs a contiguous [R, C] input, got shape "
                    + java.util.Arrays.toString(a.shape()));
        int rows = a.size(0), cols = a.size(1);
        if (k < 0 || k > cols)
            throw new IllegalArgumentException("sortRows: k = " + k + " outside [0, " + cols + "]");
        if (cols > MAX_COLS)
            throw new UnsupportedOperationException("sortRows: rows of " + cols + " elements on cuda (max " + MAX_COLS + ")");
        if (indices.dtype() != DType.I64 || values.dtype() != a.dtype()
                || values.numel() != (long) rows * k || indices.numel() != (long) rows * k
                || !DeviceTensors.isContiguous(values) || !DeviceTensors.isContiguous(indices))
            throw new IllegalArgumentException("sortRows: outputs " + values.dtype() + java.util.Arrays.toString(values.shape())
                    + " and " + indices.dtype() + java.util.Arrays.toString(indices.shape()) + " for [" + rows + ", " + k
                    + "] of " + a.dtype());
        if ((long) rows * k == 0) return;
        int pow2 = 1;
        while (pow2 < cols) pow2 <<= 1;
        CudaRuntime rt = DeviceTensors.runtime("sortRows", a);
        Tensor scratch = DeviceTensors.temporary(rt, a, DType.I32, new int[] {rows, pow2});
        try {
            KernelArgs args = KernelArgs.of().i32(a.dtype().ordinal()).i32(a.dtype().bytes());
            DeviceTensors.ptr(args, "sortRows", a).i32(rows).i32(cols).i32(pow2).i32(descending ? 1 : 0);
            DeviceTensors.ptr(args, "sortRows", scratch).i32(k);
            DeviceTensors.ptr(args, "sortRows", values);
            DeviceTensors.ptr(args, "sortRows", indices);
            DeviceTensors.function(rt, SOURCE, "sort_rows_v1").launch(Dim3.of(rows),
                    DeviceTensors.rowBlock(pow2 / 2), 0, args);
        } finally {
            DeviceTensors.free(scratch);
        }
    }
}
