package org.reformer4j.core.cpu;

/**
 * Scalar twin of {@link SgemmVector}: the register-tile micro-kernel over packed panels written as plain
 * loops (the fallback when {@code jdk.incubator.vector} is absent, and the oracle the vector kernel is
 * tested against), plus the unblocked triple loop used for tiny products.
 *
 * <p>Packed layout (see {@link SgemmBlocked}): an A micro-panel holds {@code kc} steps of {@code mr} row
 * values, {@code ap[ai + p*mr + i]}; a B micro-panel holds {@code kc} steps of {@code nr} column values,
 * {@code bp[bi + p*nr + j]}. The tile written is {@code C = alpha * Ap Bp + beta * C} (beta 0 overwrites).
 */
final class SgemmScalar {
    private SgemmScalar() {}

    /** One {@code mr x nr} tile from packed panels; {@code acc} is scratch of at least mr*nr floats. */
    static void kernel(int mr, int nr, int kc, float[] ap, int ai, float[] bp, int bi,
                       float alpha, float beta, float[] c, int ci, int ldc, float[] acc) {
        java.util.Arrays.fill(acc, 0, mr * nr, 0f);
        for (int p = 0; p < kc; p++) {
            int a0 = ai + p * mr, b0 = bi + p * nr;
            for (int i = 0; i < mr; i++) {
                float av = ap[a0 + i];
                int r = i * nr;
                for (int j = 0; j < nr; j++) acc[r + j] += av * bp[b0 + j];
            }
        }
        for (int i = 0; i < mr; i++) {
            int row = ci + i * ldc, r = i * nr;
            if (beta == 0f) {
                for (int j = 0; j < nr; j++) c[row + j] = alpha * acc[r + j];
            } else {
                for (int j = 0; j < nr; j++) c[row + j] = alpha * acc[r + j] + beta * c[row + j];
            }
        }
    }

    /**
     * Unblocked {@code C = alpha op(A) op(B) + beta C} with general strides, accumulating each row of C in
     * {@code row} (scratch of at least n floats). Used for products too small to repay packing.
     */
    static void direct(int m, int n, int k, float alpha, float[] a, int aOff, int rsA, int csA,
                       float[] b, int bOff, int rsB, int csB, float beta, float[] c, int cOff, int ldc,
                       float[] row) {
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(row, 0, n, 0f);
            int ai = aOff + i * rsA;
            for (int p = 0; p < k; p++) {
                float av = a[ai + p * csA];
                int bRow = bOff + p * rsB;
                if (csB == 1) {
                    for (int j = 0; j < n; j++) row[j] += av * b[bRow + j];
                } else {
                    for (int j = 0; j < n; j++) row[j] += av * b[bRow + j * csB];
                }
            }
            int ci = cOff + i * ldc;
            if (beta == 0f) {
                for (int j = 0; j < n; j++) c[ci + j] = alpha * row[j];
            } else {
                for (int j = 0; j < n; j++) c[ci + j] = alpha * row[j] + beta * c[ci + j];
            }
        }
    }
}
