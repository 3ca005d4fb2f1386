package org.reformer4j.kernels.backend;

import java.util.Arrays;

/**
 * The strided index space of an elementwise kernel (the {@code Geometry} struct of tensor_common.cuh): a
 * shape and, for up to four operands, their element strides. As the CPU backend's Strided plan does, size-1
 * axes are dropped and neighbouring axes that are contiguous in every operand are merged, so most launches
 * see one or two axes. A space of more than {@value #MAX_DIMS} axes after merging is cut into pieces along
 * its leading axes, each with its own element offsets.
 */
final class Geometry {
    static final int MAX_DIMS = 8, MAX_OPERANDS = 4;

    /** One launch: the struct's fields, the number of elements, and each operand's extra element offset. */
    record Piece(long[] struct, long count, long[] offsets) {}

    private Geometry() {}

    /** The pieces covering {@code shape} for operands with the given strides (one array per operand). */
    static java.util.List<Piece> pieces(int[] shape, int[]... strides) {
        int ops = strides.length;
        if (ops > MAX_OPERANDS) throw new IllegalArgumentException("geometry of " + ops + " operands (max 4)");
        long n = 1;
        for (int s : shape) n *= s;
        java.util.List<Piece> out = new java.util.ArrayList<>();
        if (n == 0) return out;
        // drop size-1 axes, merge axis i into i-1 when every operand has stride[i-1] == stride[i] * size[i]
        int[] ms = new int[shape.length];
        long[][] mst = new long[ops][shape.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            boolean merge = r > 0;
            for (int k = 0; k < ops && merge; k++) merge = mst[k][r - 1] == (long) strides[k][i] * shape[i];
            if (merge) {
                ms[r - 1] *= shape[i];
                for (int k = 0; k < ops; k++) mst[k][r - 1] = strides[k][i];
            } else {
                ms[r] = shape[i];
                for (int k = 0; k < ops; k++) mst[k][r] = strides[k][i];
                r++;
            }
        }
        if (r == 0) {  // a single element
            ms = new int[] {1};
            mst = new long[ops][1];
            r = 1;
        }
        split(Arrays.copyOf(ms, r), mst, r, 0, new long[ops], out);
        return out;
    }

    private static void split(int[] shape, long[][] strides, int rank, int from, long[] base, java.util.List<Piece> out) {
        if (rank - from <= MAX_DIMS) {
            long[] s = new long[1 + MAX_DIMS * (1 + MAX_OPERANDS)];
            int nd = rank - from;
            s[0] = nd;
            long n = 1;
            for (int d = 0; d < nd; d++) {
                s[1 + d] = shape[from + d];
                n *= shape[from + d];
                for (int k = 0; k < strides.length; k++) s[1 + MAX_DIMS * (1 + k) + d] = strides[k][from + d];
            }
            out.add(new Piece(s, n, base.clone()));
            return;
        }
        for (int i = 0; i < shape[from]; i++) {
            long[] b = base.clone();
            for (int k = 0; k < b.length; k++) b[k] += i * strides[k][from];
            split(shape, strides, rank, from + 1, b, out);
        }
    }
}
