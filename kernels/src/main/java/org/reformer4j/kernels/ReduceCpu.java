package org.reformer4j.kernels;

/** CPU twin of reduce.cu on float[]: row sums (accumulated in float64, rounded once) and row max/argmax. */
public final class ReduceCpu {
    private ReduceCpu() {}

    public static void sumLastDim(float[] x, float[] out, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int j = 0; j < cols; j++) s += x[r * cols + j];
            out[r] = (float) s;
        }
    }

    /** NaN is the largest value; ties (and NaNs) resolve to the smallest index. */
    public static void maxLastDim(float[] x, float[] out, int[] idx, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            float best = x[r * cols];
            int at = 0;
            for (int j = 1; j < cols && !Float.isNaN(best); j++) {
                float v = x[r * cols + j];
                if (Float.isNaN(v) || v > best) {
                    best = v;
                    at = j;
                }
            }
            out[r] = best;
            idx[r] = at;
        }
    }
}
