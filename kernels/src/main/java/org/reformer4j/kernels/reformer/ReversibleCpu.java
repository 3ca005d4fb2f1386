package org.reformer4j.kernels.reformer;

/**
 * CPU twin of reversible.cu on float[] (reformer-pytorch ReversibleBlock, REV:41-104): the same single float32
 * operation per element, so the kernel matches it exactly. Buffers [rows, 2*dim] hold cat(x1, x2).
 */
public final class ReversibleCpu {
    private ReversibleCpu() {}

    public static void add(float[] x, float[] fx, int rows, int dim, int half) {
        Reversible.checkHalves("reversible_add", rows, dim, half, 0);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) x[r * 2 * dim + half * dim + j] += fx[r * dim + j];
    }

    public static void restore(float[] y, float[] fy, float[] dy, float[] gx, int rows, int dim, int restoreHalf,
            int accumulateHalf) {
        Reversible.checkHalves("reversible_restore", rows, dim, restoreHalf, accumulateHalf);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) {
                y[r * 2 * dim + restoreHalf * dim + j] -= fy[r * dim + j];
                if (gx != null) dy[r * 2 * dim + accumulateHalf * dim + j] += gx[r * dim + j];
            }
    }

    public static void merge(float[] y, float[] out, int rows, int dim, boolean backward) {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) {
                int a = r * 2 * dim + j;
                if (backward) {
                    float h = out[r * dim + j] * 0.5f;
                    y[a] = h;
                    y[a + dim] = h;
                } else {
                    out[r * dim + j] = (y[a] + y[a + dim]) * 0.5f;
                }
            }
    }

    public static void accumulate(float[] acc, float[] x, int n) {
        for (int i = 0; i < n; i++) acc[i] += x[i];
    }
}
