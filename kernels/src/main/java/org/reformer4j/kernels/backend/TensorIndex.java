package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of tensor_index.cu: gather, scatter_add, index_select and index_add along one dim of strided CUDA
 * tensors (the indexing ops of the Backend SPI), with int32 or int64 indices. Each op is one walk over an
 * index space with a "plain" operand (read or written at the coordinates) and an "indexed" one (at the
 * coordinates with the dim replaced by the index). An index out of range is an
 * {@link IndexOutOfBoundsException} with the CPU backend's message. CPU twin: {@link TensorIndexCpu}.
 */
public final class TensorIndex {
    static final KernelSource SOURCE = KernelSource.load(TensorIndex.class, "tensor_index.cu");
    private static final int MAX_DIMS = Geometry.MAX_DIMS;

    private TensorIndex() {}

    /** out = src gathered at index along dim (out and index of one shape). */
    public static void gather(Tensor src, int dim, Tensor index, Tensor out) {
        run("gather", false, index.shape(), out, src, index, index.strides(), dim, src);
    }

    /** dst (updated in place) += src scattered at index along dim. */
    public static void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        run("scatterAdd", true, index.shape(), src, dst, index, index.strides(), dim, dst);
    }

    /** out = src.index_select(dim, index), index 1-D. */
    public static void indexSelect(Tensor src, int dim, Tensor index, Tensor out) {
        run("indexSelect", false, out.shape(), out, src, index, along(index, dim, out.rank()), dim, src);
    }

    /** dst.index_add_(dim, index, src), index 1-D. */
    public static void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        run("indexAdd", true, src.shape(), src, dst, index, along(index, dim, src.rank()), dim, dst);
    }

    /** Strides that read a 1-D index at the coordinate of axis {@code dim} of a rank-{@code rank} space. */
    private static int[] along(Tensor index, int dim, int rank) {
        if (index.rank() != 1)
            throw new IllegalArgumentException("index must be 1-D, got shape " + java.util.Arrays.toString(index.shape()));
        int[] s = new int[Math.max(1, rank)];
        s[dim] = index.strides()[0];
        return s;
    }

    private static void run(String op, boolean add, int[] space, Tensor plain, Tensor indexed, Tensor index,
            int[] indexStrides, int dim, Tensor limitOf) {
        if (index.dtype() != DType.I32 && index.dtype() != DType.I64)
            throw new IllegalArgumentException(op + ": index must be int32 or int64, got " + index.dtype());
        if (plain.dtype() != indexed.dtype())
            throw new UnsupportedOperationException(op + ": " + plain.dtype() + " values with a " + indexed.dtype()
                    + " tensor on cuda (the core ops pass one dtype)");
        int rank = space.length;
        if (rank > MAX_DIMS)
            throw new UnsupportedOperationException(op + ": tensors of rank " + rank + " on cuda (at most " + MAX_DIMS + ")");
        long n = 1;
        for (int s : space) n *= s;
        if (n == 0) return;
        String kernel = "index_gather_v1";
        if (add) {
            kernel = switch (indexed.dtype()) {
                case F32 -> "index_add_f32_v1";
                case F64 -> "index_add_f64_v1";
                case I32 -> "index_add_i32_v1";
                case I64 -> "index_add_i64_v1";
                case BOOL -> throw new UnsupportedOperationException(op + ": bool tensors on cuda");
            };
        }
        boolean scalar = rank == 0;
        int limit = scalar ? 1 : limitOf.size(dim);
        long[] g = new long[1 + 4 * MAX_DIMS + 3];
        g[0] = scalar ? 1 : rank;
        int[] ps = plain.strides(), qs = indexed.strides();
        for (int d = 0; d < rank; d++) {
            g[1 + d] = space[d];
            g[1 + MAX_DIMS + d] = ps[d];
            g[1 + 2 * MAX_DIMS + d] = qs[d];
            g[1 + 3 * MAX_DIMS + d] = indexStrides[d];
        }
        if (scalar) g[1] = 1;
        g[1 + 4 * MAX_DIMS] = scalar ? 0 : dim;
        g[2 + 4 * MAX_DIMS] = limit;
        g[3 + 4 * MAX_DIMS] = index.dtype() == DType.I64 ? 1 : 0;
        CudaRuntime rt = DeviceTensors.runtime(op, indexed);
        KernelArgs args = KernelArgs.of();
        if (!add) args.i32(indexed.dtype().bytes());
        DeviceTensors.ptr(args, op, index);
        DeviceTensors.ptr(args, op, add ? plain : indexed);
        DeviceTensors.ptr(args, op, add ? indexed : plain);
        args.i64(n).struct(g);
        String fn = kernel;
        long count = n;
        DeviceChecks.of(rt).launch(args, n, () -> DeviceTensors.function(rt, SOURCE, fn).launch(DeviceTensors.grid(count),
                Dim3.of(DeviceTensors.BLOCK), 0, args), bad -> {
                    long at = index.offset(), rest = bad;
                    for (int d = rank - 1; d >= 0; d--) {
                        at += rest % space[d] * indexStrides[d];
                        rest /= space[d];
                    }
                    return new IndexOutOfBoundsException(op + ": index " + value(index, at) + " is out of range for dim "
                            + dim + " of size " + limit);
                });
    }

    /** The index at storage position {@code at}, or a note when a deferred check finds its storage released. */
    private static String value(Tensor index, long at) {
        try {
            return Long.toString(Tensor.view(index.storage(), new int[] {1}, new int[] {1}, (int) at).toLongArray()[0]);
        } catch (IllegalStateException released) {
            return "(value no longer readable: its scope closed before the deferred check)";
        }
    }
}
