package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of softmax.cu: softmax and log-softmax over the last dimension of a contiguous [rows, cols]
 * float32 matrix, forward and backward (torch.softmax / torch.log_softmax with dim=-1 and their grads).
 * CPU twin: {@link SoftmaxCpu}.
 */
public final class Softmax {
    static final KernelSource SOURCE = KernelSource.load(Softmax.class, "softmax.cu");
    /** Kernel versions (see the top comment of softmax.cu). */
    public static final int VERSIONS = 2;

    private Softmax() {}

    /** y = softmax(x) (or log_softmax when {@code log}) along the last dimension. */
    public static void forward(CudaRuntime rt, DeviceBuffer x, DeviceBuffer y, int rows, int cols, boolean log,
            int version) {
        String op = log ? "log_softmax" : "softmax";
        run(rt, Launch.versioned(op, "softmax_forward", version, VERSIONS), op, x, "x", y, "y", null, rows, cols,
                log, version);
    }

    /** dx from the forward output y (log-probabilities when {@code log}) and the upstream gradient dy. */
    public static void backward(CudaRuntime rt, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols,
            boolean log, int version) {
        String op = log ? "log_softmax_backward" : "softmax_backward";
        run(rt, Launch.versioned(op, "softmax_backward", version, VERSIONS), op, y, "y", dy, "dy", dx, rows, cols,
                log, version);
    }

    private static void run(CudaRuntime rt, String fn, String op, DeviceBuffer a, String an, DeviceBuffer b,
            String bn, DeviceBuffer c, int rows, int cols, boolean log, int version) {
        Launch.checkSizes(op, rows, cols);
        long n = (long) rows * cols;
        Launch.check4(op, an, a, n);
        Launch.check4(op, bn, b, n);
        if (c != null) Launch.check4(op, "dx", c, n);
        if (n == 0) return;
        KernelArgs args = KernelArgs.of().ptr(a).ptr(b);
        if (c != null) args.ptr(c);
        Launch.function(rt, SOURCE, fn).launch(Launch.rowGrid(rows, version), Dim3.of(Launch.BLOCK), 0,
                args.i32(rows).i32(cols).i32(log ? 1 : 0));
    }
}
