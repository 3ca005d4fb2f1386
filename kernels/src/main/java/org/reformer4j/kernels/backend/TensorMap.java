package org.reformer4j.kernels.backend;

import java.util.Arrays;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of tensor_map.cu: the elementwise family of the Backend SPI on CUDA tensors of any strides -
 * {@code out = op(a, p)} ({@link UnaryOp}), {@code out = op(a, b)} ({@link BinaryOp}, operands already
 * broadcast to out's shape) and {@code out = cond ? a : b}. The kernel is chosen by a's dtype; out has a's
 * dtype, or bool for comparisons and LOGICAL_NOT (as the core ops allocate it). CPU twin: {@link TensorMapCpu}.
 */
public final class TensorMap {
    static final KernelSource SOURCE = KernelSource.load(TensorMap.class, "tensor_map.cu");

    /** Op names for messages and kernel names per dtype, made once (not per launch). */
    private static final String[] UNARY_NAMES = lowerCase(UnaryOp.values()), BINARY_NAMES = lowerCase(BinaryOp.values());
    private static final String[] UNARY_KERNELS = kernels("unary_"), BINARY_KERNELS = kernels("binary_");

    private TensorMap() {}

    private static String[] lowerCase(Enum<?>[] ops) {
        String[] names = new String[ops.length];
        for (Enum<?> op : ops) names[op.ordinal()] = op.name().toLowerCase();
        return names;
    }

    private static String[] kernels(String prefix) {
        String[] names = new String[DType.values().length];
        for (DType t : DType.values()) names[t.ordinal()] = prefix + suffix(t) + "_v1";
        return names;
    }

    private static String suffix(DType t) {
        return switch (t) {
            case F32 -> "f32";
            case F64 -> "f64";
            case I32 -> "i32";
            case I64 -> "i64";
            case BOOL -> "bool";
        };
    }

    private static void checkShape(String op, Tensor out, Tensor... ins) {
        for (Tensor t : ins)
            if (!Arrays.equals(t.shape(), out.shape()))
                throw new IllegalArgumentException(op + ": operand of shape " + Arrays.toString(t.shape())
                        + " for an output of shape " + Arrays.toString(out.shape()));
    }

    public static void unary(UnaryOp op, double p, Tensor a, Tensor out) {
        String name = UNARY_NAMES[op.ordinal()];
        checkShape(name, out, a);
        DType want = op == UnaryOp.LOGICAL_NOT ? DType.BOOL : a.dtype();
        if (out.dtype() != want)
            throw new IllegalArgumentException(name + ": " + a.dtype() + " input needs a " + want + " output, got "
                    + out.dtype());
        CudaRuntime rt = DeviceTensors.runtime(name, out);
        for (Geometry.Piece g : Geometry.pieces(out.shape(), out.strides(), a.strides())) {
            KernelArgs args = KernelArgs.of().i32(op.ordinal()).f64(p);
            DeviceTensors.ptr(args, name, a, g.offsets()[1]);
            DeviceTensors.ptr(args, name, out, g.offsets()[0]);
            DeviceTensors.function(rt, SOURCE, UNARY_KERNELS[a.dtype().ordinal()]).launch(
                    DeviceTensors.grid(g.count()), Dim3.of(DeviceTensors.BLOCK), 0,
                    args.i64(g.count()).struct(g.struct()));
        }
    }

    public static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        String name = BINARY_NAMES[op.ordinal()];
        checkShape(name, out, a, b);
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(name + ": operands of dtypes " + a.dtype() + " and " + b.dtype()
                    + " (the core ops promote them to one)");
        DType want = op.isComparison() ? DType.BOOL : a.dtype();
        if (out.dtype() != want)
            throw new IllegalArgumentException(name + ": " + a.dtype() + " operands need a " + want + " output, got "
                    + out.dtype());
        if (!a.dtype().isFloating() && !op.isComparison() && op.ordinal() > BinaryOp.MINIMUM.ordinal())
            throw new UnsupportedOperationException(name + " is defined for floating tensors only, got " + a.dtype());
        CudaRuntime rt = DeviceTensors.runtime(name, out);
        for (Geometry.Piece g : Geometry.pieces(out.shape(), out.strides(), a.strides(), b.strides())) {
            KernelArgs args = KernelArgs.of().i32(op.ordinal());
            DeviceTensors.ptr(args, name, a, g.offsets()[1]);
            DeviceTensors.ptr(args, name, b, g.offsets()[2]);
            DeviceTensors.ptr(args, name, out, g.offsets()[0]);
            DeviceTensors.function(rt, SOURCE, BINARY_KERNELS[a.dtype().ordinal()]).launch(
                    DeviceTensors.grid(g.count()), Dim3.of(DeviceTensors.BLOCK), 0,
                    args.i64(g.count()).struct(g.struct()));
        }
    }

    public static void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        checkShape("where", out, cond, a, b);
        if (cond.dtype() != DType.BOOL)
            throw new IllegalArgumentException("where: condition must be bool, got " + cond.dtype());
        if (a.dtype() != out.dtype() || b.dtype() != out.dtype())
            throw new IllegalArgumentException("where: values of dtypes " + a.dtype() + " and " + b.dtype()
                    + " for a " + out.dtype() + " output");
        CudaRuntime rt = DeviceTensors.runtime("where", out);
        for (Geometry.Piece g : Geometry.pieces(out.shape(), out.strides(), cond.strides(), a.strides(), b.strides())) {
            KernelArgs args = KernelArgs.of().i32(out.dtype().bytes());
            DeviceTensors.ptr(args, "where", cond, g.offsets()[1]);
            DeviceTensors.ptr(args, "where", a, g.offsets()[2]);
            DeviceTensors.ptr(args, "where", b, g.offsets()[3]);
            DeviceTensors.ptr(args, "where", out, g.offsets()[0]);
            DeviceTensors.function(rt, SOURCE, "where_v1").launch(DeviceTensors.grid(g.count()),
                    Dim3.of(DeviceTensors.BLOCK), 0, args.i64(g.count()).struct(g.struct()));
        }
    }
}
