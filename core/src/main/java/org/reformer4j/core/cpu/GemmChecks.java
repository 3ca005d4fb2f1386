package org.reformer4j.core.cpu;

/**
 * Argument checks shared by the GEMM entry points of {@link Sgemm}: sizes non-negative, arrays present,
 * every element a product (or a batch of products) would touch inside its array, and rows of C that do
 * not overlap. Messages name the op, the operand, shapes, offsets, strides and the array length, so that
 * the kernels behind them can index without further checks.
 */
final class GemmChecks {
    private GemmChecks() {}

    /** Array lengths are -1 for a null array. */
    static void check(String op, int m, int n, int k,
                      int aLen, int aOff, long strideA, int batchA, int rsA, int csA,
                      int bLen, int bOff, long strideB, int batchB, int rsB, int csB,
                      int cLen, int cOff, long strideC, int batchC, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(op + ": sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        if (aLen < 0 || bLen < 0 || cLen < 0) {
            throw new NullPointerException(op + ": null array for " + (aLen < 0 ? "A" : bLen < 0 ? "B" : "C"));
        }
        if (m > 1 && ldc < n) {
            throw new IllegalArgumentException(op + ": ldc=" + ldc + " is smaller than n=" + n
                    + ", rows of C [" + m + "," + n + "] would overlap");
        }
        if (batchC > 1 && strideC == 0 && m > 0 && n > 0) {
            throw new IllegalArgumentException(op + ": strideC=0 with batch " + batchC
                    + " makes the products write the same C");
        }
        extent(op, "A", m, k, aLen, aOff, strideA, batchA, rsA, csA);
        extent(op, "B", k, n, bLen, bOff, strideB, batchB, rsB, csB);
        extent(op, "C", m, n, cLen, cOff, strideC, batchC, ldc, 1);
    }

    /** One operand [rows, cols] at {@code off + r*rs + s*cs} of an array of length len (-1: null) inside it. */
    static void operand(String op, String name, int rows, int cols, int len, int off, int rs, int cs) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": sizes must be >= 0, got " + name + " [" + rows + "," + cols + "]");
        }
        if (len < 0) throw new NullPointerException(op + ": null array for " + name);
        extent(op, name, rows, cols, len, off, 0, 1, rs, cs);
    }

    /** Checks that every element (t, r, s) at {@code off + t*stride + r*rs + s*cs} lies in [0, len). */
    private static void extent(String op, String name, int rows, int cols, int len, int off, long stride,
                               int batch, int rs, int cs) {
        if (rows == 0 || cols == 0 || batch == 0) return;
        long lo = off, hi = off;
        long[] terms = {(batch - 1) * stride, (long) (rows - 1) * rs, (long) (cols - 1) * cs};
        for (long t : terms) {
            lo += Math.min(0, t);
            hi += Math.max(0, t);
        }
        if (lo < 0 || hi >= len) {
            throw new IndexOutOfBoundsException(op + ": " + name + " [" + rows + "," + cols + "] with offset "
                    + off + ", strides (" + rs + "," + cs + ")"
                    + (batch > 1 ? ", batch " + batch + " x stride " + stride : "")
                    + " reaches indices " + lo + ".." + hi + " outside the array of length " + len);
        }
    }
}
