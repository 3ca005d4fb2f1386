package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of row_reduce.cu: {@code out[r] = op(a[r, :])} over the rows of a contiguous [R, C] CUDA tensor
 * ({@link ReduceOp}, Backend.reduceRows) and the int64 index of each row's first max or min
 * (Backend.argReduceRows). Integer tensors reduce by SUM, MAX and MIN only, as on the CPU.
 * CPU twin: {@link RowReduceCpu}.
 */
public final class RowReduce {
    static final KernelSource SOURCE = KernelSource.load(RowReduce.class, "row_reduce.cu");

    /** "reduceRows(OP)" per op, for messages: made once, not per launch. */
    private static final String[] NAMES = java.util.Arrays.stream(ReduceOp.values()).map(o -> "reduceRows(" + o + ")")
            .toArray(String[]::new);

    private RowReduce() {}

    private static void checkRows(String op, Tensor a, Tensor out) {
        if (a.rank() != 2 || !DeviceTensors.isContiguous(a))
            throw new IllegalArgumentException(op + ": needs a contiguous [R, C] input, got shape "
                    + java.util.Arrays.toString(a.shape()) + " strides " + java.util.Arrays.toString(a.strides()));
        if (out.numel() != a.size(0) || !DeviceTensors.isContiguous(out))
            throw new IllegalArgumentException(op + ": output of shape " + java.util.Arrays.toString(out.shape())
                    + " for " + a.size(0) + " rows");
    }

    public static void reduce(ReduceOp op, Tensor a, Tensor out) {
        String name = NAMES[op.ordinal()];
        checkRows(name, a, out);
        if (out.dtype() != a.dtype())
            throw new IllegalArgumentException(name + ": " + a.dtype() + " rows into a " + out.dtype() + " output");
        String kernel = switch (a.dtype()) {
            case F32 -> "reduce_rows_f32_v1";
            case F64 -> "reduce_rows_f64_v1";
            case I32 -> "reduce_rows_i32_v1";
            case I64 -> "reduce_rows_i64_v1";
            case BOOL -> throw new IllegalArgumentException(name + ": bool rows (the core ops convert them to int64)");
        };
        if (!a.dtype().isFloating() && op != ReduceOp.SUM && op != ReduceOp.MAX && op != ReduceOp.MIN)
            throw new IllegalArgumentException(op + " is not defined for " + a.dtype());
        int rows = a.size(0), cols = a.size(1);
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && cols == 0 && rows > 0)
            throw new IllegalArgumentException(name + ": cannot reduce empty rows [" + rows + ", 0]");
        if (rows == 0) return;
        CudaRuntime rt = DeviceTensors.runtime(name, out);
        KernelArgs args = KernelArgs.of().i32(op.ordinal());
        DeviceTensors.ptr(args, name, a);
        DeviceTensors.ptr(args, name, out);
        DeviceTensors.function(rt, SOURCE, kernel).launch(Dim3.of(rows), DeviceTensors.rowBlock(cols), 0,
                args.i32(rows).i32(cols));
    }

    public static void argReduce(boolean max, Tensor a, Tensor out) {
        String name = max ? "argmax" : "argmin";
        checkRows(name, a, out);
        if (out.dtype() != DType.I64)
            throw new IllegalArgumentException(name + ": indices are int64, got an output of " + out.dtype());
        int rows = a.size(0), cols = a.size(1);
        if (cols == 0 && rows > 0)
            throw new IllegalArgumentException(name + ": cannot reduce empty rows [" + rows + ", 0]");
        if (rows == 0) return;
        CudaRuntime rt = DeviceTensors.runtime(name, out);
        KernelArgs args = KernelArgs.of().i32(max ? 1 : 0).i32(a.dtype().ordinal());
        DeviceTensors.ptr(args, name, a);
        DeviceTensors.ptr(args, name, out);
        DeviceTensors.function(rt, SOURCE, "arg_reduce_rows_v1").launch(Dim3.of(rows), DeviceTensors.rowBlock(cols),
                0, args.i32(rows).i32(cols));
    }
}
