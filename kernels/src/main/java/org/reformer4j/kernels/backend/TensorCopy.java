package org.reformer4j.kernels.backend;

import java.util.Arrays;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of tensor_copy.cu: {@code dst[...] = (dst dtype) src[...]} between CUDA tensors of one shape with
 * any strides (Backend.copy), and {@code dst[...] = value} (Backend.fill). A copy between dense tensors of one
 * dtype is a plain device memcpy. CPU twin: {@link TensorCopyCpu}.
 */
public final class TensorCopy {
    static final KernelSource SOURCE = KernelSource.load(TensorCopy.class, "tensor_copy.cu");

    private TensorCopy() {}

    public static void copy(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: source of shape " + Arrays.toString(src.shape())
                    + " into a tensor of shape " + Arrays.toString(dst.shape()));
        }
        CudaRuntime rt = DeviceTensors.runtime("copy", dst);
        DeviceTensors.buffer("copy", src);
        long n = dst.numel();
        if (n == 0) return;
        boolean same = src.dtype() == dst.dtype();
        if (same && src.isContiguous() && dst.isContiguous()) {
            int b = dst.dtype().bytes();
            rt.copyOnDevice(DeviceTensors.buffer("copy", src), (long) src.offset() * b,
                    DeviceTensors.buffer("copy", dst), (long) dst.offset() * b, n * b);
            return;
        }
        for (Geometry.Piece p : Geometry.pieces(dst.shape(), dst.strides(), src.strides())) {
            KernelArgs args = KernelArgs.of();
            if (same) {
                args.i32(dst.dtype().bytes());
                DeviceTensors.ptr(args, "copy", src, p.offsets()[1]);
                DeviceTensors.ptr(args, "copy", dst, p.offsets()[0]);
            } else {
                args.i32(src.dtype().ordinal());
                DeviceTensors.ptr(args, "copy", src, p.offsets()[1]);
                args.i32(dst.dtype().ordinal());
                DeviceTensors.ptr(args, "copy", dst, p.offsets()[0]);
            }
            DeviceTensors.function(rt, SOURCE, same ? "copy_same_v1" : "copy_convert_v1")
                    .launch(DeviceTensors.grid(p.count()), Dim3.of(DeviceTensors.BLOCK), 0,
                            args.i64(p.count()).struct(p.struct()));
        }
    }

    public static void fill(Tensor dst, double value) {
        CudaRuntime rt = DeviceTensors.runtime("fill", dst);
        long bits = bits(dst.dtype(), value);
        for (Geometry.Piece p : Geometry.pieces(dst.shape(), dst.strides())) {
            KernelArgs args = KernelArgs.of().i32(dst.dtype().bytes());
            DeviceTensors.ptr(args, "fill", dst, p.offsets()[0]);
            DeviceTensors.function(rt, SOURCE, "fill_v1").launch(DeviceTensors.grid(p.count()),
                    Dim3.of(DeviceTensors.BLOCK), 0, args.i64(bits).i64(p.count()).struct(p.struct()));
        }
    }

    /** {@code value} stored in {@code dtype} as the CPU backend stores it (Java casts; bool is value != 0). */
    static long bits(DType dtype, double value) {
        return switch (dtype) {
            case F32 -> Float.floatToRawIntBits((float) value);
            case F64 -> Double.doubleToRawLongBits(value);
            case I32 -> (int) value;
            case I64 -> (long) value;
            case BOOL -> value != 0 ? 1 : 0;
        };
    }
}
