package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaFunction;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * What the CUDA backend's launchers share: the device buffer behind a tensor and the pointer to its first
 * element, the grid of the grid-stride kernels, kernel lookup, the block size of the row kernels, and
 * temporary device tensors (for kernels that want an operand dense from its buffer's start).
 */
final class DeviceTensors {
    /** Threads per block of the grid-stride kernels; their grid is capped at {@value #MAX_BLOCKS} blocks. */
    static final int BLOCK = 256, MAX_BLOCKS = 4096;
    /** Hands the buffer of an unreachable storage back to the allocator (a no-op when already closed). */
    static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    private DeviceTensors() {}

    /** The device buffer holding {@code t}'s storage; an error naming the op when t is not a CUDA tensor. */
    static DeviceBuffer buffer(String op, Tensor t) {
        Object d = t.storage().data();
        if (d instanceof DeviceBuffer b) return b;
        throw new IllegalArgumentException(op + ": a tensor on " + t.device() + " (" + d.getClass().getSimpleName()
                + " storage) reached the CUDA backend");
    }

    static CudaRuntime runtime(String op, Tensor t) {
        return buffer(op, t).runtime();
    }

    /** Appends a pointer to element {@code extra} past t's first element. */
    static KernelArgs ptr(KernelArgs args, String op, Tensor t, long extra) {
        return args.ptr(buffer(op, t), (t.offset() + extra) * t.dtype().bytes());
    }

    static KernelArgs ptr(KernelArgs args, String op, Tensor t) {
        return ptr(args, op, t, 0);
    }

    static Dim3 grid(long n) {
        return Dim3.of((int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS)));
    }

    /** Threads per block of a one-block-per-row kernel: a power of two in [32, 256], about the row length. */
    static Dim3 rowBlock(int cols) {
        int t = 32;
        while (t < cols && t < 256) t <<= 1;
        return Dim3.of(t);
    }

    static CudaFunction function(CudaRuntime rt, KernelSource source, String name) {
        return rt.module(source).function(name);
    }

    /** A new dense device tensor (its own buffer, not owned by any scope): close it with {@link #free}. */
    static Tensor temporary(CudaRuntime rt, Tensor like, DType dtype, int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        DeviceBuffer b = rt.allocate(Math.max(1, n) * dtype.bytes());
        Storage s = new Storage(like.device(), dtype, (int) n, b);
        CLEANER.register(s, b::close);  // freed at once by free(), or later if an exception skipped that
        return Tensor.view(s, shape, org.reformer4j.core.Shape.contiguousStrides(shape), 0);
    }

    static void free(Tensor temporary) {
        if (temporary != null) ((DeviceBuffer) temporary.storage().data()).close();
    }

    /** Contiguous, or empty (core calls a [3, 0] tensor with strides [1, 1] non-contiguous). */
    static boolean isContiguous(Tensor t) {
        return t.numel() == 0 || t.isContiguous();
    }

    /** True when t is contiguous from the start of its buffer. */
    static boolean isDenseFromStart(Tensor t) {
        return t.offset() == 0 && isContiguous(t);
    }

    /** t itself when dense from its buffer's start, else a dense temporary copy (free it with {@link #freeIfCopy}). */
    static Tensor denseInput(String op, Tensor t) {
        if (isDenseFromStart(t)) return t;
        Tensor c = temporary(runtime(op, t), t, t.dtype(), t.shape());
        TensorCopy.copy(t, c);
        return c;
    }

    /** A tensor to write t's values into: t itself when dense from its buffer's start, else a temporary. */
    static Tensor denseOutput(String op, Tensor t) {
        return isDenseFromStart(t) ? t : temporary(runtime(op, t), t, t.dtype(), t.shape());
    }

    /** Stores a {@link #denseOutput} into its target (when it was a temporary) and frees it. */
    static void finishOutput(Tensor dense, Tensor target) {
        if (dense == target || dense == null) return;
        TensorCopy.copy(dense, target);
        free(dense);
    }

    static void freeIfCopy(Tensor maybeCopy, Tensor original) {
        if (maybeCopy != original) free(maybeCopy);
    }
}
