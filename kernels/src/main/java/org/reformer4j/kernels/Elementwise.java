package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of elementwise.cu: unary maps {@code y = f(x)} over n floats, and binary maps with broadcasting
 * {@code out = f(a, b)} (torch.add, mul, maximum, pow, gt... on float32). Broadcasting follows NumPy's rule
 * (shapes aligned on the right, size-1 axes stretched); {@link #broadcastStrides} builds the read strides.
 * CPU twin: {@link ElementwiseCpu}.
 */
public final class Elementwise {
    static final KernelSource SOURCE = KernelSource.load(Elementwise.class, "elementwise.cu");
    static final int VERSIONS = 1, MAX_DIMS = 6;

    /** Unary ops; the ordinal is the op code in elementwise.cu. */
    public enum Unary { NEG, EXP, LOG, SQRT, RSQRT, ABS, TANH, SIGMOID, RELU, GELU, GELU_TANH }

    /** Binary ops; the ordinal is the op code in elementwise.cu. Comparisons give 1 or 0. */
    public enum Binary { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, POW, GT, LT, EQ }

    private Elementwise() {}

    /** {@code y[i] = op(x[i])} for i in [0, n). */
    public static void unary(CudaRuntime rt, Unary op, DeviceBuffer x, DeviceBuffer y, long n, int version) {
        String name = "elementwise." + op.name().toLowerCase();
        Launch.checkSizes(name, n);
        Launch.check4(name, "x", x, n);
        Launch.check4(name, "y", y, n);
        if (n == 0) return;
        Launch.function(rt, SOURCE, Launch.versioned(name, "unary", version, VERSIONS)).launch(Launch.grid(n),
                Dim3.of(Launch.BLOCK), 0, KernelArgs.of().i32(op.ordinal()).ptr(x).ptr(y).i64(n));
    }

    /**
     * {@code out = op(a, b)}, out contiguous of shape {@code outShape}; a and b read with element strides
     * {@code stridesA}, {@code stridesB} (one per axis of outShape, 0 where broadcast).
     */
    public static void binary(CudaRuntime rt, Binary op, DeviceBuffer a, long[] stridesA, DeviceBuffer b,
            long[] stridesB, DeviceBuffer out, long[] outShape, int version) {
        String name = "elementwise." + op.name().toLowerCase();
        int nd = outShape.length;
        if (nd > MAX_DIMS || stridesA.length != nd || stridesB.length != nd)
            throw new IllegalArgumentException(name + ": out shape of " + nd + " dims (max " + MAX_DIMS + ") with "
                    + stridesA.length + " and " + stridesB.length + " strides");
        long n = 1, spanA = 1, spanB = 1;
        for (int d = 0; d < nd; d++) {
            Launch.checkSizes(name, outShape[d], stridesA[d], stridesB[d]);
            n *= outShape[d];
            if (outShape[d] > 0) {
                spanA += (outShape[d] - 1) * stridesA[d];
                spanB += (outShape[d] - 1) * stridesB[d];
            }
        }
        Launch.check4(name, "out", out, n);
        if (n == 0) return;
        Launch.check4(name, "a", a, spanA);
        Launch.check4(name, "b", b, spanB);
        long[] ix = new long[1 + 3 * MAX_DIMS];
        ix[0] = Math.max(nd, 1);
        if (nd == 0) ix[1] = 1;  // a scalar: one axis of size 1
        for (int d = 0; d < nd; d++) {
            ix[1 + d] = outShape[d];
            ix[1 + MAX_DIMS + d] = stridesA[d];
            ix[1 + 2 * MAX_DIMS + d] = stridesB[d];
        }
        Launch.function(rt, SOURCE, Launch.versioned(name, "binary", version, VERSIONS)).launch(Launch.grid(n),
                Dim3.of(Launch.BLOCK), 0, KernelArgs.of().i32(op.ordinal()).ptr(a).ptr(b).ptr(out).i64(n).struct(ix));
    }

    /** The broadcast shape of two shapes (NumPy rule); an error naming both when they do not broadcast. */
    public static long[] broadcastShape(long[] a, long[] b) {
        int nd = Math.max(a.length, b.length);
        long[] out = new long[nd];
        for (int i = 0; i < nd; i++) {
            long x = i < nd - a.length ? 1 : a[i - (nd - a.length)];
            long y = i < nd - b.length ? 1 : b[i - (nd - b.length)];
            if (x != y && x != 1 && y != 1)
                throw new IllegalArgumentException("shapes " + java.util.Arrays.toString(a) + " and "
                        + java.util.Arrays.toString(b) + " do not broadcast (axis " + i + ": " + x + " vs " + y + ")");
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** Element strides that read a contiguous tensor of {@code shape} as {@code outShape} (0 on broadcast axes). */
    public static long[] broadcastStrides(long[] shape, long[] outShape) {
        long[] strides = new long[outShape.length];
        long s = 1;
        for (int i = shape.length - 1, o = outShape.length - 1; o >= 0; i--, o--) {
            long dim = i >= 0 ? shape[i] : 1;
            strides[o] = dim == 1 ? 0 : s;
            s *= dim;
        }
        return strides;
    }
}
