package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of layer_norm.cu: layer norm over the last dimension of a contiguous [rows, cols] float32
 * matrix (torch.nn.functional.layer_norm, normalized_shape = [cols]), forward with the saved mean and rstd
 * per row, backward to x and to gamma and beta. gamma and beta may be null. CPU twin: {@link LayerNormCpu}.
 */
public final class LayerNorm {
    static final KernelSource SOURCE = KernelSource.load(LayerNorm.class, "layer_norm.cu");
    /** Kernel versions (see the top comment of layer_norm.cu). */
    public static final int VERSIONS = 1;

    private LayerNorm() {}

    private static KernelArgs optional(KernelArgs args, DeviceBuffer b) {
        return b == null ? args.i64(0) : args.ptr(b);
    }

    public static void forward(CudaRuntime rt, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta, DeviceBuffer y,
            DeviceBuffer mean, DeviceBuffer rstd, int rows, int cols, float eps, int version) {
        String fn = Launch.versioned("layer_norm", "layer_norm_forward", version, VERSIONS);
        check("layer_norm", x, "x", y, "y", mean, rstd, rows, cols);
        if (gamma != null) Launch.check4("layer_norm", "gamma", gamma, cols);
        if (beta != null) Launch.check4("layer_norm", "beta", beta, cols);
        if (!(eps >= 0)) throw new IllegalArgumentException("layer_norm: eps must be >= 0, got " + eps);
        if (rows == 0 || cols == 0) return;
        KernelArgs args = KernelArgs.of().ptr(x);
        optional(optional(args, gamma), beta).ptr(y).ptr(mean).ptr(rstd).i32(rows).i32(cols).f32(eps);
        Launch.function(rt, SOURCE, fn).launch(Dim3.of(rows), Dim3.of(Launch.BLOCK), 0, args);
    }

    /** dx, and dgamma/dbeta where not null (overwritten, not accumulated). */
    public static void backward(CudaRuntime rt, DeviceBuffer dy, DeviceBuffer x, DeviceBuffer mean, DeviceBuffer rstd,
            DeviceBuffer gamma, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, int rows, int cols,
            int version) {
        String fn = Launch.versioned("layer_norm_backward", "layer_norm_backward", version, VERSIONS);
        check("layer_norm_backward", dy, "dy", dx, "dx", mean, rstd, rows, cols);
        Launch.check4("layer_norm_backward", "x", x, (long) rows * cols);
        if (gamma != null) Launch.check4("layer_norm_backward", "gamma", gamma, cols);
        if (dgamma != null) Launch.check4("layer_norm_backward", "dgamma", dgamma, cols);
        if (dbeta != null) Launch.check4("layer_norm_backward", "dbeta", dbeta, cols);
        if (cols == 0) return;
        if (rows > 0) {
            KernelArgs args = KernelArgs.of().ptr(dy).ptr(x).ptr(mean).ptr(rstd);
            optional(args, gamma).ptr(dx).i32(rows).i32(cols);
            Launch.function(rt, SOURCE, fn).launch(Dim3.of(rows), Dim3.of(Launch.BLOCK), 0, args);
        }
        if (dgamma == null && dbeta == null) return;
        KernelArgs p = KernelArgs.of().ptr(dy).ptr(x).ptr(mean).ptr(rstd);
        optional(optional(p, dgamma), dbeta).i32(rows).i32(cols);
        Launch.function(rt, SOURCE, "layer_norm_backward_params_v" + version).launch(Dim3.cover(cols, Launch.BLOCK),
                Dim3.of(Launch.BLOCK), 0, p);
    }

    private static void check(String op, DeviceBuffer a, String an, DeviceBuffer b, String bn, DeviceBuffer mean,
            DeviceBuffer rstd, int rows, int cols) {
        Launch.checkSizes(op, rows, cols);
        Launch.check4(op, an, a, (long) rows * cols);
        Launch.check4(op, bn, b, (long) rows * cols);
        Launch.check4(op, "mean", mean, rows);
        Launch.check4(op, "rstd", rstd, rows);
    }
}
