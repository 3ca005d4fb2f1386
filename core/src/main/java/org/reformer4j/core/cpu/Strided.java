package org.reformer4j.core.cpu;

import org.reformer4j.core.Tensor;

/**
 * Iteration plan for an elementwise loop over several same-shaped strided operands: dims that are
 * contiguous in every operand are merged, leaving an outer index space and one inner run with a stride
 * per operand. {@code base(o, k)} is operand k's storage offset for outer row o.
 */
final class Strided {
    final int rank;
    final int[] shape;
    final int[][] strides;
    final int[] innerStride;
    final int[] offsets;
    final int inner;
    final int outer;
    /** Per dim, floor(2^64 / shape) + 1 (unsigned): o / shape = the high word of reciprocal * o, for o >= 0. */
    private final long[] reciprocals;

    Strided(Tensor... ts) {
        int[] sh = ts[0].shape();
        int n = ts.length;
        int[][] st = new int[n][];
        for (int k = 0; k < n; k++) st[k] = ts[k].strides();
        offsets = new int[n];
        for (int k = 0; k < n; k++) offsets[k] = ts[k].offset();
        // drop size-1 dims, then merge dims i, i+1 when every operand has stride[i] == stride[i+1] * size[i+1]
        int[] ms = new int[Math.max(1, sh.length)];
        int[][] mst = new int[n][Math.max(1, sh.length)];
        int r = 0;
        for (int i = 0; i < sh.length; i++) {
            if (sh[i] == 1) continue;
            boolean merge = r > 0;
            for (int k = 0; k < n && merge; k++) merge = mst[k][r - 1] == st[k][i] * sh[i];
            if (merge) {
                ms[r - 1] *= sh[i];
                for (int k = 0; k < n; k++) mst[k][r - 1] = st[k][i];
            } else {
                ms[r] = sh[i];
                for (int k = 0; k < n; k++) mst[k][r] = st[k][i];
                r++;
            }
        }
        if (r == 0) {
            ms[0] = org.reformer4j.core.Shape.numel(sh) == 0 ? 0 : 1;
            for (int k = 0; k < n; k++) mst[k][0] = 1;
            r = 1;
        }
        rank = r;
        shape = java.util.Arrays.copyOf(ms, r);
        strides = new int[n][];
        for (int k = 0; k < n; k++) strides[k] = java.util.Arrays.copyOf(mst[k], r);
        inner = shape[r - 1];
        int o = 1;
        for (int i = 0; i < r - 1; i++) o *= shape[i];
        outer = inner == 0 ? 0 : o;
        innerStride = new int[n];
        for (int k = 0; k < n; k++) innerStride[k] = strides[k][r - 1];
        reciprocals = new long[r];
        for (int i = 0; i < r; i++) reciprocals[i] = shape[i] == 0 ? 0 : Long.divideUnsigned(-1L, shape[i]) + 1;
    }

    /** Storage offset of operand k at the start of outer row o. */
    int base(int o, int k) {
        // rank 1 and 2 (most loops once dims are merged) without the division loop, which cost more than
        // the row itself for rows of 64 floats
        if (rank == 1) return offsets[k];
        if (rank == 2) return offsets[k] + o * strides[k][0];
        int off = offsets[k];
        int[] s = strides[k];
        // o / d by a multiply-high with a precomputed reciprocal (exact for every 32-bit o: Lemire, Kaser and
        // Kurz, "Faster remainder by direct computation"): an integer division per dim per operand cost several
        // times the copy of a 64-float row
        for (int i = rank - 2; i >= 0; i--) {
            int q = (int) Math.unsignedMultiplyHigh(reciprocals[i], o);
            off += (o - q * shape[i]) * s[i];
            o = q;
        }
        return off;
    }

    /** A piece of one outer row: elements [i0, i1) of row o. */
    @FunctionalInterface
    interface RowPart {
        void run(int o, int i0, int i1);
    }

    /**
     * Calls {@code body} on pieces that cover every element once; large loops are cut into one flat
     * range per thread (rows split where needed, so one huge row is parallel too).
     */
    void forEach(RowPart body) {
        long total = (long) outer * inner;
        if (total == 0) return;
        int parts = total < (1 << 15) ? 1 : Parallel.threads();
        if (parts == 1) {
            for (int o = 0; o < outer; o++) body.run(o, 0, inner);
            return;
        }
        Parallel.forParts(parts, parts, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                long from = total * p / parts, to = total * (p + 1) / parts;
                while (from < to) {
                    int o = (int) (from / inner);
                    int i0 = (int) (from - (long) o * inner);
                    int i1 = (int) Math.min(inner, i0 + (to - from));
                    body.run(o, i0, i1);
                    from += i1 - i0;
                }
            }
        });
    }
}
