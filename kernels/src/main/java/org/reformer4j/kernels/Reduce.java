package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of reduce.cu: sum and max (with argmax) over the last dimension of a contiguous [rows, cols]
 * float32 matrix, like {@code torch.sum(x, -1)} and {@code torch.max(x, -1)}. CPU twin: {@link ReduceCpu}.
 */
public final class Reduce {
    static final KernelSource SOURCE = KernelSource.load(Reduce.class, "reduce.cu");
    /** Kernel versions (see the top comment of reduce.cu). */
    public static final int VERSIONS = 2;

    private Reduce() {}

    /** out[r] = sum over j of x[r, j]; a row of no columns sums to 0. */
    public static void sumLastDim(CudaRuntime rt, DeviceBuffer x, DeviceBuffer out, int rows, int cols, int version) {
        String fn = Launch.versioned("sum_lastdim", "sum_lastdim", version, VERSIONS);
        Launch.checkSizes("sum_lastdim", rows, cols);
        Launch.check4("sum_lastdim", "x", x, (long) rows * cols);
        Launch.check4("sum_lastdim", "out", out, rows);
        if (rows == 0) return;
        Launch.function(rt, SOURCE, fn).launch(Launch.rowGrid(rows, version), Dim3.of(Launch.BLOCK), 0,
                KernelArgs.of().ptr(x).ptr(out).i32(rows).i32(cols));
    }

    /** out[r] = max over j of x[r, j], idx[r] its first index (NaN counts as the largest). */
    public static void maxLastDim(CudaRuntime rt, DeviceBuffer x, DeviceBuffer out, DeviceBuffer idx, int rows,
            int cols, int version) {
        String fn = Launch.versioned("max_lastdim", "max_lastdim", version, VERSIONS);
        Launch.checkSizes("max_lastdim", rows, cols);
        if (cols == 0 && rows > 0)
            throw new IllegalArgumentException("max_lastdim: cannot take the max of an empty dimension (shape ["
                    + rows + ", 0])");
        Launch.check4("max_lastdim", "x", x, (long) rows * cols);
        Launch.check4("max_lastdim", "out", out, rows);
        Launch.check4("max_lastdim", "idx", idx, rows);
        if (rows == 0) return;
        Launch.function(rt, SOURCE, fn).launch(Launch.rowGrid(rows, version), Dim3.of(Launch.BLOCK), 0,
                KernelArgs.of().ptr(x).ptr(out).ptr(idx).i32(rows).i32(cols));
    }
}
