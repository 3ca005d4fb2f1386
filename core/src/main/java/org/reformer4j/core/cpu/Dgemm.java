package org.reformer4j.core.cpu;

import java.util.Arrays;

/**
 * float64 GEMM for gradient checks, same contract as {@link Sgemm#dgemm}. op(B) is first copied into a
 * contiguous row-major [k,n] buffer when its columns are strided; then blocks of four rows of C accumulate
 * {@code A(i,p) * B(p,:)} row updates (loops the JIT vectorises) and take alpha and beta at the end.
 * Rows of C are spread over {@link Parallel}'s threads.
 */
final class Dgemm {
    private static final int ROWS = 4;

    private Dgemm() {}

    static void gemm(int m, int n, int k, double alpha, double[] a, int aOff, int rsA, int csA,
                     double[] b, int bOff, int rsB, int csB, double beta, double[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0.0) {
            for (int i = 0; i < m; i++) {
                int r = cOff + i * ldc;
                if (beta == 0.0) Arrays.fill(c, r, r + n, 0.0);
                else for (int j = 0; j < n; j++) c[r + j] *= beta;
            }
            return;
        }
        double[] bb = b;
        int bo = bOff, rs = rsB;
        if (csB != 1) {
            bb = new double[k * n];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) bb[p * n + j] = b[bOff + p * rsB + j * csB];
            }
            bo = 0;
            rs = n;
        }
        final double[] bc = bb;
        final int bOff2 = bo, rsB2 = rs;
        int blocks = (m + ROWS - 1) / ROWS;
        long work = (long) m * n * k;
        Parallel.forRange(blocks, work < (1 << 16) ? blocks : 1, (from, to) -> {
            double[] acc = new double[ROWS * n];
            for (int blk = from; blk < to; blk++) {
                int i0 = blk * ROWS, rows = Math.min(ROWS, m - i0);
                Arrays.fill(acc, 0.0);
                for (int p = 0; p < k; p++) {
                    int br = bOff2 + p * rsB2;
                    for (int i = 0; i < rows; i++) {
                        double av = a[aOff + (i0 + i) * rsA + p * csA];
                        int r = i * n;
                        for (int j = 0; j < n; j++) acc[r + j] += av * bc[br + j];
                    }
                }
                for (int i = 0; i < rows; i++) {
                    int ci = cOff + (i0 + i) * ldc, r = i * n;
                    if (beta == 0.0) {
                        for (int j = 0; j < n; j++) c[ci + j] = alpha * acc[r + j];
                    } else {
                        for (int j = 0; j < n; j++) c[ci + j] = alpha * acc[r + j] + beta * c[ci + j];
                    }
                }
            }
        });
    }
}
