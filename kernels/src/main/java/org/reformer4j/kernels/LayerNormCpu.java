package org.reformer4j.kernels;

/**
 * CPU twin of layer_norm.cu on float[]: the same two-pass mean and biased variance, rstd = 1/sqrt(var+eps)
 * and the same backward formula; sums accumulate in float64 (the kernel's order differs anyway). Null gamma
 * or beta mean 1 and 0.
 */
public final class LayerNormCpu {
    private LayerNormCpu() {}

    public static void forward(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd, int rows,
            int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) s += x[base + j];
            float mu = (float) s / cols;
            double q = 0;
            for (int j = 0; j < cols; j++) {
                float d = x[base + j] - mu;
                q += d * d;
            }
            float rs = 1.0f / (float) Math.sqrt((float) q / cols + eps);
            for (int j = 0; j < cols; j++) {
                float v = (x[base + j] - mu) * rs;
                if (gamma != null) v = v * gamma[j];
                if (beta != null) v = v + beta[j];
                y[base + j] = v;
            }
            mean[r] = mu;
            rstd[r] = rs;
        }
    }

    public static void backward(float[] dy, float[] x, float[] mean, float[] rstd, float[] gamma, float[] dx,
            float[] dgamma, float[] dbeta, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double sg = 0, sgx = 0;
            for (int j = 0; j < cols; j++) {
                float g = gamma != null ? dy[base + j] * gamma[j] : dy[base + j];
                sg += g;
                sgx += g * ((x[base + j] - mean[r]) * rstd[r]);
            }
            float mg = (float) sg / cols, mgx = (float) sgx / cols;
            for (int j = 0; j < cols; j++) {
                float g = gamma != null ? dy[base + j] * gamma[j] : dy[base + j];
                float xhat = (x[base + j] - mean[r]) * rstd[r];
                dx[base + j] = rstd[r] * (g - mg - xhat * mgx);
            }
        }
        for (int j = 0; j < cols; j++) {
            double sg = 0, sb = 0;
            for (int r = 0; r < rows; r++) {
                float d = dy[r * cols + j];
                sg += d * ((x[r * cols + j] - mean[r]) * rstd[r]);
                sb += d;
            }
            if (dgamma != null) dgamma[j] = (float) sg;
            if (dbeta != null) dbeta[j] = (float) sb;
        }
    }
}
