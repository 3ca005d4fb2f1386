package org.reformer4j.core.cpu;

/**
 * Matrix-vector products for matmuls with a single output row (m = 1): a column sum (ones @ X), a bias
 * gradient, or one decoding step (x[1, d] @ W^T, torch.nn.functional.linear at one position). Packing a whole
 * matrix for one row would cost more than the product, so B is streamed once: row-major B (unit column stride)
 * as a sum of scaled rows (axpy), column-major B (unit row stride, a Linear weight) as one dot product per
 * output, four outputs per pass sharing the loads of x ({@link #dotRows}). Columns are split across threads
 * only when the product is big enough to pay for the hand-off ({@link #PARALLEL_MACS}).
 */
final class CpuGemv {
    /** Multiply-adds below which a product runs on the calling thread (a fork-join hand-off costs ~10-30 us). */
    static final int PARALLEL_MACS = 1 << 18;

    private CpuGemv() {}

    /** c[j] = sum_p a[p] * B[p, j] for j < n; a at aOff with stride sa; B at bOff with strides rsB, csB. */
    static void gemv(int n, int k, float[] a, int aOff, int sa, float[] b, int bOff, int rsB, int csB, float[] c, int cOff) {
        boolean vec = VectorSupport.ENABLED;
        int grain = Math.max(64, (1 << 16) / Math.max(1, k));
        if (csB == 1) {
            Parallel.forRange(n, grain, (j0, j1) -> {
                java.util.Arrays.fill(c, cOff + j0, cOff + j1, 0f);
                for (int p = 0; p < k; p++) {
                    float ap = a[aOff + p * sa];
                    if (ap == 0f) continue;
                    int row = bOff + p * rsB;
                    if (vec) CpuVector.axpy(ap, b, row + j0, c, cOff + j0, j1 - j0);
                    else for (int j = j0; j < j1; j++) c[cOff + j] += ap * b[row + j];
                }
            });
        } else if (rsB == 1 && sa == 1) {
            rows(n, k, b, bOff, csB, a, aOff, c, cOff);
        } else {
            Parallel.forRange(n, grain, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    float s = 0f;
                    for (int p = 0; p < k; p++) s += a[aOff + p * sa] * b[bOff + p * rsB + j * csB];
                    c[cOff + j] = s;
                }
            });
        }
    }

    /**
     * c[j] = W[j, :] . x for j < n, W's rows k long at w + j * ldw (unit stride): on the calling thread below
     * {@link #PARALLEL_MACS} multiply-adds, else split into one range of rows per thread.
     */
    static void rows(int n, int k, float[] w, int wOff, int ldw, float[] x, int xOff, float[] c, int cOff) {
        if ((long) n * k < PARALLEL_MACS || Parallel.threads() == 1) {
            dotRows(w, wOff, ldw, x, xOff, k, c, cOff, 0, n);
            return;
        }
        Parallel.forParts(n, Parallel.threads(), (j0, j1) -> dotRows(w, wOff, ldw, x, xOff, k, c, cOff, j0, j1));
    }

    /** Rows [j0, j1) of {@link #rows}: the vector twin (four rows per pass), or the scalar loop. */
    static void dotRows(float[] w, int wOff, int ldw, float[] x, int xOff, int k, float[] c, int cOff, int j0, int j1) {
        if (VectorSupport.ENABLED) {
            CpuGemvVector.dotRows(w, wOff, ldw, x, xOff, k, c, cOff, j0, j1);
            return;
        }
        for (int j = j0; j < j1; j++) c[cOff + j] = CpuRows.dotF32(x, xOff, w, wOff + j * ldw, k);
    }
}
