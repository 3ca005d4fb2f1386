package org.reformer4j.core.cpu;

/**
 * Matrix-vector products for matmuls with a single output row (m = 1): a column sum (ones @ X), a bias
 * gradient, or one decoding step (x[1, d] @ W^T). Packing a whole matrix for one row would cost more than
 * the product, so B is streamed once: row-major B (unit column stride) as a sum of scaled rows (axpy),
 * column-major B (unit row stride) as one dot product per output. Columns are split across threads.
 */
final class CpuGemv {
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
            Parallel.forRange(n, grain, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    int col = bOff + j * csB;
                    c[cOff + j] = vec ? CpuVector.dot(a, aOff, b, col, k) : CpuRows.dotF32(a, aOff, b, col, k);
                }
            });
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
}
