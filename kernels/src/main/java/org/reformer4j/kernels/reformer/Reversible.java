package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of reversible.cu: the in-place memory passes of a reversible block (reformer-pytorch
 * ReversibleBlock, REV:41-104) on [rows, 2*dim] activation and gradient buffers holding cat(x1, x2).
 * A block's backward, with f and g recomputed and differentiated by their own kernels:
 * <pre>
 *   restore(y, g(y1), dy, dL/dy1 through g, SECOND, FIRST)   // x2 = y2 - g(y1); dx1 = dy1 + ...
 *   restore(y, f(x2), dy, dL/dx2 through f, FIRST, SECOND)   // x1 = y1 - f(x2); dx2 = dy2 + ...
 * </pre>
 * CPU twin: {@link ReversibleCpu}.
 */
public final class Reversible {
    static final KernelSource SOURCE = KernelSource.load(Reversible.class, "reversible.cu");
    /** Kernel versions (see the top comment of reversible.cu). */
    public static final int VERSIONS = 1;
    /** The halves of a [rows, 2*dim] buffer. */
    public static final int FIRST = 0, SECOND = 1;
    private static final int BLOCK = 256, MAX_BLOCKS = 4096;

    private Reversible() {}

    /** {@code x[:, half] += fx} (fx [rows, dim]): the forward's residual add. */
    public static void add(CudaRuntime rt, DeviceBuffer x, DeviceBuffer fx, long rows, int dim, int half, int version) {
        String op = "reversible_add";
        checkHalves(op, rows, dim, half, FIRST);
        Launches.check4(op, "x", x, rows * 2 * dim);
        Launches.check4(op, "fx", fx, rows * dim);
        if (rows * dim == 0) return;
        Launches.function(rt, SOURCE, op, version, VERSIONS).launch(grid(rows * dim), Dim3.of(BLOCK), 0,
                KernelArgs.of().ptr(x).ptr(fx).i64(rows).i32(dim).i32(half));
    }

    /**
     * One pass of the backward: {@code y[:, restoreHalf] -= fy} and {@code dy[:, accumulateHalf] += gx}
     * (gx null: only the restore). fy, gx [rows, dim]; y, dy [rows, 2*dim].
     */
    public static void restore(CudaRuntime rt, DeviceBuffer y, DeviceBuffer fy, DeviceBuffer dy, DeviceBuffer gx, long rows,
            int dim, int restoreHalf, int accumulateHalf, int version) {
        String op = "reversible_restore";
        checkHalves(op, rows, dim, restoreHalf, accumulateHalf);
        Launches.check4(op, "y", y, rows * 2 * dim);
        Launches.check4(op, "fy", fy, rows * dim);
        if (gx != null) {
            Launches.check4(op, "dy", dy, rows * 2 * dim);
            Launches.check4(op, "gx", gx, rows * dim);
        }
        if (rows * dim == 0) return;
        KernelArgs a = KernelArgs.of().ptr(y).ptr(fy);
        (gx == null ? a.i64(0).i64(0) : a.ptr(dy).ptr(gx)).i64(rows).i32(dim).i32(restoreHalf).i32(accumulateHalf);
        Launches.function(rt, SOURCE, op, version, VERSIONS).launch(grid(rows * dim), Dim3.of(BLOCK), 0, a);
    }

    /** {@code out = (y1 + y2) / 2} ([rows, dim] from [rows, 2*dim]); backward: {@code dy1 = dy2 = dout / 2} into y. */
    public static void merge(CudaRuntime rt, DeviceBuffer y, DeviceBuffer out, long rows, int dim, boolean backward,
            int version) {
        String op = backward ? "reversible_merge_backward" : "reversible_merge";
        checkHalves(op, rows, dim, FIRST, FIRST);
        Launches.check4(op, "y", y, rows * 2 * dim);
        Launches.check4(op, "out", out, rows * dim);
        if (rows * dim == 0) return;
        Launches.function(rt, SOURCE, "reversible_merge", version, VERSIONS).launch(grid(rows * dim), Dim3.of(BLOCK), 0,
                KernelArgs.of().ptr(y).ptr(out).i64(rows).i32(dim).i32(backward ? 1 : 0));
    }

    /** {@code acc += x} over n floats (gradient accumulation). */
    public static void accumulate(CudaRuntime rt, DeviceBuffer acc, DeviceBuffer x, long n, int version) {
        String op = "reversible_accumulate";
        if (n < 0) throw new IllegalArgumentException(op + ": negative size " + n);
        Launches.check4(op, "acc", acc, n);
        Launches.check4(op, "x", x, n);
        if (n == 0) return;
        Launches.function(rt, SOURCE, op, version, VERSIONS).launch(grid(n), Dim3.of(BLOCK), 0,
                KernelArgs.of().ptr(acc).ptr(x).i64(n));
    }

    private static Dim3 grid(long n) {
        return Dim3.of((int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS)));
    }

    static void checkHalves(String op, long rows, int dim, int a, int b) {
        if (rows < 0 || dim < 0) throw new IllegalArgumentException(op + ": negative size (rows " + rows + ", dim " + dim + ")");
        if ((a != FIRST && a != SECOND) || (b != FIRST && b != SECOND))
            throw new IllegalArgumentException(op + ": half must be FIRST (0) or SECOND (1), got " + a + " and " + b);
    }
}
