package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of cross_entropy_rows.cu: the fused cross entropy of the Backend SPI on CUDA tensors - per row of
 * contiguous logits [R, C] against int64 targets [R], lse [R] and loss [R] (0 on ignored rows), and the
 * backward {@code dlogits = scale[r] (softmax - onehot)}. A target outside [0, C) that is not the ignore index
 * is an {@link IndexOutOfBoundsException} naming the row, as on the CPU. float32 and float64.
 * CPU twin: {@link CrossEntropyRowsCpu}.
 */
public final class CrossEntropyRows {
    static final KernelSource SOURCE = KernelSource.load(CrossEntropyRows.class, "cross_entropy_rows.cu");

    private CrossEntropyRows() {}

    private static String suffix(String op, Tensor logits, Tensor target) {
        if (logits.rank() != 2 || !DeviceTensors.isContiguous(logits))
            throw new IllegalArgumentException(op + ": needs contiguous logits [R, C], got shape "
                    + java.util.Arrays.toString(logits.shape()));
        if (target.dtype() != DType.I64 || target.numel() != logits.size(0) || !DeviceTensors.isContiguous(target))
            throw new IllegalArgumentException(op + ": needs contiguous int64 targets [" + logits.size(0) + "], got "
                    + target.dtype() + java.util.Arrays.toString(target.shape()));
        return switch (logits.dtype()) {
            case F32 -> "f32";
            case F64 -> "f64";
            default -> throw new IllegalArgumentException(op + ": floating logits required, got " + logits.dtype());
        };
    }

    public static void forward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor loss) {
        String s = suffix("crossEntropy", logits, target);
        int rows = logits.size(0), cols = logits.size(1);
        if (rows == 0) return;
        CudaRuntime rt = DeviceTensors.runtime("crossEntropy", logits);
        KernelArgs args = KernelArgs.of();
        DeviceTensors.ptr(args, "crossEntropy", logits);
        DeviceTensors.ptr(args, "crossEntropy", target).i64(ignoreIndex);
        DeviceTensors.ptr(args, "crossEntropy", lse);
        DeviceTensors.ptr(args, "crossEntropy", loss).i32(rows).i32(cols);
        DeviceChecks.of(rt).launch(args, rows, () -> DeviceTensors.function(rt, SOURCE, "cross_entropy_rows_" + s + "_v1")
                .launch(Dim3.of(rows), DeviceTensors.rowBlock(cols), 0, args), bad -> {
                    String t;
                    try {
                        t = Long.toString(target.narrow(0, bad, 1).toLongArray()[0]);
                    } catch (IllegalStateException released) {
                        t = "(no longer readable: its scope closed before the deferred check)";
                    }
                    return new IndexOutOfBoundsException("crossEntropy: target " + t + " at position " + bad
                            + " is outside [0, " + cols + ") and is not the ignore index " + ignoreIndex);
                });
    }

    public static void backward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor scale,
            Tensor dlogits) {
        String s = suffix("crossEntropyBackward", logits, target);
        int rows = logits.size(0), cols = logits.size(1);
        if ((long) rows * cols == 0) return;
        CudaRuntime rt = DeviceTensors.runtime("crossEntropyBackward", logits);
        KernelArgs args = KernelArgs.of();
        DeviceTensors.ptr(args, "crossEntropyBackward", logits);
        DeviceTensors.ptr(args, "crossEntropyBackward", target).i64(ignoreIndex);
        DeviceTensors.ptr(args, "crossEntropyBackward", lse);
        DeviceTensors.ptr(args, "crossEntropyBackward", scale);
        DeviceTensors.ptr(args, "crossEntropyBackward", dlogits).i32(rows).i32(cols);
        DeviceTensors.function(rt, SOURCE, "cross_entropy_rows_backward_" + s + "_v1").launch(Dim3.of(rows),
                DeviceTensors.rowBlock(cols), 0, args);
    }
}
