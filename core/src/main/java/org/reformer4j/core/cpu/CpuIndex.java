package org.reformer4j.core.cpu;

import org.reformer4j.core.DType;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;

/**
 * CPU indexing kernels: gather / scatter-add along a dim, index_select / index_add, and the stable
 * row sort behind sort, argsort and topk. Every index is range-checked; a bad one is reported with the
 * op, the value, the dim and its size.
 */
final class CpuIndex {
    private CpuIndex() {}

    static long index(String op, Object idx, DType t, int p, int limit, int dim) {
        long v = Access.getLong(idx, t, p);
        if (v < 0 || v >= limit) {
            throw new IndexOutOfBoundsException(op + ": index " + v + " is out of range for dim " + dim + " of size " + limit);
        }
        return v;
    }

    /** Calls body(outOffset-style linear index of index tensor, source offset without dim d, dim index) over index's elements. */
    private interface Visit {
        void at(int idxPos, int otherPos, int srcBase, int iDim);
    }

    /**
     * Walks every element of {@code index} (shape = out's shape): idxPos is its storage offset in index,
     * otherPos the storage offset of the same coordinates in {@code other} (out or src), srcBase the
     * offset in {@code base} of the coordinates with dim d at 0.
     */
    private static void walk(Tensor index, Tensor other, Tensor base, int d, Visit v) {
        int[] sh = index.shape();
        int r = sh.length, n = Shape.numel(sh);
        int[] ist = index.strides(), ost = other.strides(), bst = base.strides();
        int[] coord = new int[r];
        for (int e = 0; e < n; e++) {
            int pi = index.offset(), po = other.offset(), pb = base.offset();
            for (int k = 0; k < r; k++) {
                pi += coord[k] * ist[k];
                po += coord[k] * ost[k];
                if (k != d) pb += coord[k] * bst[k];
            }
            v.at(pi, po, pb, coord[d]);
            for (int k = r - 1; k >= 0; k--) {
                if (++coord[k] < sh[k]) break;
                coord[k] = 0;
            }
        }
    }

    static void gather(Tensor src, int d, Tensor index, Tensor out) {
        Object s = src.storage().data(), o = out.storage().data(), ix = index.storage().data();
        DType st = src.dtype(), it = index.dtype();
        int lim = src.size(d), sd = src.strides()[d];
        walk(index, out, src, d, (pi, po, pb, i) -> {
            long j = index("gather", ix, it, pi, lim, d);
            int from = pb + (int) j * sd;
            switch (st) {
                case F32 -> ((float[]) o)[po] = ((float[]) s)[from];
                case F64 -> ((double[]) o)[po] = ((double[]) s)[from];
                default -> Access.setLong(o, st, po, Access.getLong(s, st, from));
            }
        });
    }

    static void scatterAdd(Tensor dst, int d, Tensor index, Tensor src) {
        Object s = src.storage().data(), o = dst.storage().data(), ix = index.storage().data();
        DType dt = dst.dtype(), it = index.dtype(), st = src.dtype();
        int lim = dst.size(d), dd = dst.strides()[d];
        walk(index, src, dst, d, (pi, ps, pb, i) -> {
            long j = index("scatterAdd", ix, it, pi, lim, d);
            int to = pb + (int) j * dd;
            switch (dt) {
                case F32 -> ((float[]) o)[to] += (float) Access.get(s, st, ps);
                case F64 -> ((double[]) o)[to] += Access.get(s, st, ps);
                default -> Access.setLong(o, dt, to, Access.getLong(o, dt, to) + Access.getLong(s, st, ps));
            }
        });
    }

    /** out = src.index_select(d, index): copies slices; rows of a 2-D contiguous source in bulk. */
    static void indexSelect(Tensor src, int d, Tensor index, Tensor out) {
        Object ix = index.storage().data();
        DType it = index.dtype();
        int n = index.size(0), lim = src.size(d);
        int ixs = index.strides()[0], ixo = index.offset();
        long[] rows = new long[n];
        for (int i = 0; i < n; i++) rows[i] = index("indexSelect", ix, it, ixo + i * ixs, lim, d);
        if (d == 0 && src.isContiguous() && src.dtype() == out.dtype()) {
            int row = src.numel() / Math.max(1, lim);
            Object s = src.storage().data(), o = out.storage().data();
            int so = src.offset(), oo = out.offset();
            Parallel.forRange(n, Math.max(1, 8192 / Math.max(1, row)), (i0, i1) -> {
                for (int i = i0; i < i1; i++) System.arraycopy(s, so + (int) rows[i] * row, o, oo + i * row, row);
            });
            return;
        }
        for (int i = 0; i < n; i++) {
            Tensor from = src.narrow(d, (int) rows[i], 1);
            Tensor to = out.narrow(d, i, 1);
            CpuElementwise.copy(from.detach(), to.detach());
        }
    }

    static void indexAdd(Tensor dst, int d, Tensor index, Tensor src) {
        Object ix = index.storage().data();
        DType it = index.dtype();
        int n = index.size(0), lim = dst.size(d);
        int ixs = index.strides()[0], ixo = index.offset();
        if (d == 0 && dst.isContiguous() && src.isContiguous() && dst.dtype() == DType.F32 && src.dtype() == DType.F32) {
            int row = dst.numel() / Math.max(1, lim);
            float[] o = (float[]) dst.storage().data(), s = (float[]) src.storage().data();
            int oo = dst.offset(), so = src.offset();
            for (int i = 0; i < n; i++) {
                int j = (int) index("indexAdd", ix, it, ixo + i * ixs, lim, d);
                int po = oo + j * row, ps = so + i * row;
                for (int c = 0; c < row; c++) o[po + c] += s[ps + c];
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            int j = (int) index("indexAdd", ix, it, ixo + i * ixs, lim, d);
            Tensor to = dst.narrow(d, j, 1).detach();
            Tensor from = src.narrow(d, i, 1).detach();
            CpuElementwise.binary(org.reformer4j.core.BinaryOp.ADD, to, from, to);
        }
    }

    /**
     * Stable sort of each row (merge sort on indices by value), or its first k when k is at most a quarter of the row
     * (a heap selection, then the merge sort of the k: the same result); NaN sorts as the largest, as torch.
     */
    static void sortRows(Tensor a, boolean descending, int k, Tensor values, Tensor indices) {
        int rows = a.size(0), cols = a.size(1);
        Object x = a.storage().data(), v = values.storage().data();
        long[] ix = (long[]) indices.storage().data();
        DType t = a.dtype();
        int pa0 = a.offset(), pv0 = values.offset(), pi0 = indices.offset();
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(1, cols)), (r0, r1) -> {
            double[] key = new double[cols];
            boolean[] nan = new boolean[cols];
            int[] order = new int[cols], tmp = new int[cols];
            for (int r = r0; r < r1; r++) {
                int base = pa0 + r * cols;
                for (int c = 0; c < cols; c++) {
                    double kv = Access.get(x, t, base + c);
                    nan[c] = Double.isNaN(kv);
                    key[c] = nan[c] ? 0 : kv;
                    order[c] = c;
                }
                if (k <= cols / 4) {
                    select(order, key, nan, cols, k, descending);
                    mergeSort(order, tmp, key, nan, k, descending);
                } else {
                    mergeSort(order, tmp, key, nan, cols, descending);
                }
                for (int c = 0; c < k; c++) {
                    int src = order[c];
                    ix[pi0 + r * k + c] = src;
                    if (t == DType.I64 || t == DType.I32) Access.setLong(v, t, pv0 + r * k + c, Access.getLong(x, t, base + src));
                    else Access.set(v, t, pv0 + r * k + c, Access.get(x, t, base + src));
                }
            }
        });
    }

    /**
     * The k elements of [0, n) that a stable sort puts first, into order[0, k) in index order (so that a stable sort of
     * them gives the sort's first k): one pass with a heap of the k best so far, its top the one that sorts last (by
     * value, then index), which a later element replaces only when it sorts strictly before it. O(n log k).
     */
    private static void select(int[] order, double[] key, boolean[] nan, int n, int k, boolean descending) {
        if (k == 0) return;
        for (int c = 0; c < k; c++) { // order[0, k) holds 0..k-1: make it a heap
            order[c] = c;
        }
        for (int c = k / 2 - 1; c >= 0; c--) siftDown(order, c, k, key, nan, descending);
        for (int c = k; c < n; c++) {
            if (before(key, nan, c, order[0], descending)) { // ties go to the lower index, already kept
                order[0] = c;
                siftDown(order, 0, k, key, nan, descending);
            }
        }
        java.util.Arrays.sort(order, 0, k);
    }

    /** Whether p sorts after q in a stable sort (by value, then index). */
    private static boolean after(double[] key, boolean[] nan, int p, int q, boolean descending) {
        return before(key, nan, q, p, descending) || (!before(key, nan, p, q, descending) && p > q);
    }

    /** Restores the heap (parents sort after their children) below position i of heap[0, size). */
    private static void siftDown(int[] heap, int i, int size, double[] key, boolean[] nan, boolean descending) {
        int x = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && after(key, nan, heap[c + 1], heap[c], descending)) c++;
            if (!after(key, nan, heap[c], x, descending)) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = x;
    }

    /** Bottom-up stable merge sort of {@code order}: equal keys keep their index order. */
    private static void mergeSort(int[] order, int[] tmp, double[] key, boolean[] nan, int n, boolean descending) {
        int[] src = order, dst = tmp;
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n), hi = Math.min(lo + 2 * width, n);
                int i = lo, j = mid, o = lo;
                while (i < mid && j < hi) dst[o++] = before(key, nan, src[j], src[i], descending) ? src[j++] : src[i++];
                while (i < mid) dst[o++] = src[i++];
                while (j < hi) dst[o++] = src[j++];
            }
            int[] sw = src;
            src = dst;
            dst = sw;
        }
        if (src != order) System.arraycopy(src, 0, order, 0, n);
    }

    /** True when element p sorts strictly before q (NaN is the largest value). */
    private static boolean before(double[] key, boolean[] nan, int p, int q, boolean descending) {
        int cmp = nan[p] != nan[q] ? (nan[p] ? 1 : -1) : Double.compare(key[p] == 0 ? 0.0 : key[p], key[q] == 0 ? 0.0 : key[q]);
        return descending ? cmp > 0 : cmp < 0;
    }
}
