package org.reformer4j.kernels;

/**
 * CPU twin of softmax.cu on float[], the same steps per row: the max, the sum of exp(x - max), then
 * {@code exp(x - max) / sum} or {@code x - max - log(sum)}; backward {@code y (dy - sum(dy y))} or
 * {@code dy - exp(y) sum(dy)}. Sums accumulate in float64 (the kernel's butterfly order differs anyway).
 */
public final class SoftmaxCpu {
    private SoftmaxCpu() {}

    public static void forward(float[] x, float[] y, int rows, int cols, boolean log) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) m = Math.max(m, x[base + j]);
            double s = 0;
            for (int j = 0; j < cols; j++) s += (float) Math.exp(x[base + j] - m);
            float sf = (float) s, ls = (float) Math.log(sf);
            for (int j = 0; j < cols; j++)
                y[base + j] = log ? x[base + j] - m - ls : (float) Math.exp(x[base + j] - m) / sf;
        }
    }

    public static void backward(float[] y, float[] dy, float[] dx, int rows, int cols, boolean log) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) s += log ? dy[base + j] : dy[base + j] * y[base + j];
            float sf = (float) s;
            for (int j = 0; j < cols; j++)
                dx[base + j] = log ? dy[base + j] - (float) Math.exp(y[base + j]) * sf : y[base + j] * (dy[base + j] - sf);
        }
    }
}
