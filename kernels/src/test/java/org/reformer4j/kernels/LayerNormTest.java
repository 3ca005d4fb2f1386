package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * layer_norm.cu against LayerNormCpu (with and without gamma/beta), and the twin's backward against float64
 * central differences of sum(y * dy), so the reference itself is checked independently.
 */
class LayerNormTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void forwardAndBackwardMatchTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(41);
        for (boolean affine : new boolean[] {true, false})
            for (int[] s : RowCases.SHAPES) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] x = Check.uniform(r, n, -3f, 5f), dy = Check.uniform(r, n, -1f, 1f);
                float[] g = affine ? Check.uniform(r, cols, 0.5f, 1.5f) : null;
                float[] b = affine ? Check.uniform(r, cols, -1f, 1f) : null;
                float[] y = new float[n], mean = new float[rows], rstd = new float[rows], dx = new float[n];
                float[] dg = new float[cols], db = new float[cols];
                LayerNormCpu.forward(x, g, b, y, mean, rstd, rows, cols, 1e-5f);
                LayerNormCpu.backward(dy, x, mean, rstd, g, dx, dg, db, rows, cols);
                String at = device + (affine ? " affine" : " plain") + " [" + rows + "," + cols + "]";
                try (DeviceBuffer dX = rt.upload(x); DeviceBuffer dG = affine ? rt.upload(g) : null;
                        DeviceBuffer dB = affine ? rt.upload(b) : null; DeviceBuffer dY = rt.allocate(4L * n);
                        DeviceBuffer dM = rt.allocate(4L * rows); DeviceBuffer dR = rt.allocate(4L * rows);
                        DeviceBuffer dDy = rt.upload(dy); DeviceBuffer dDx = rt.allocate(4L * n);
                        DeviceBuffer dDg = rt.allocate(4L * cols); DeviceBuffer dDb = rt.allocate(4L * cols)) {
                    LayerNorm.forward(rt, dX, dG, dB, dY, dM, dR, rows, cols, 1e-5f, 1);
                    if (cols == 0) continue;
                    Check.close(at + " y", y, rt.downloadFloats(dY, n), 16, 1e-6);
                    Check.close(at + " mean", mean, rt.downloadFloats(dM, rows), 16, 1e-6);
                    Check.close(at + " rstd", rstd, rt.downloadFloats(dR, rows), 16, 0);
                    LayerNorm.backward(rt, dDy, dX, dM, dR, dG, dDx, dDg, dDb, rows, cols, 1);
                    Check.close(at + " dx", dx, rt.downloadFloats(dDx, n), 64, 2e-6);
                    Check.close(at + " dgamma", dg, rt.downloadFloats(dDg, cols), 64, 2e-6);
                    Check.close(at + " dbeta", db, rt.downloadFloats(dDb, cols), 64, 2e-6);
                }
            }
    }

    @Test
    void twinBackwardMatchesFiniteDifferences() {
        int rows = 3, cols = 6;
        Random r = new Random(42);
        float[] x = Check.uniform(r, rows * cols, -2f, 2f), dy = Check.uniform(r, rows * cols, -1f, 1f);
        float[] g = Check.uniform(r, cols, 0.5f, 1.5f);
        float[] y = new float[x.length], mean = new float[rows], rstd = new float[rows], dx = new float[x.length];
        float[] dg = new float[cols], db = new float[cols];
        LayerNormCpu.forward(x, g, null, y, mean, rstd, rows, cols, 1e-5f);
        LayerNormCpu.backward(dy, x, mean, rstd, g, dx, dg, db, rows, cols);
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) xd[i] = x[i];
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6, keep = xd[i];
            xd[i] = keep + h;
            double up = objective(xd, g, dy, rows, cols);
            xd[i] = keep - h;
            double down = objective(xd, g, dy, rows, cols);
            xd[i] = keep;
            assertEquals((up - down) / (2 * h), dx[i], 2e-4, "dx[" + i + "]");
        }
    }

    /** sum(layer_norm(x) * gamma * dy) in float64. */
    private static double objective(double[] x, float[] g, float[] dy, int rows, int cols) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double m = 0, v = 0;
            for (int j = 0; j < cols; j++) m += x[r * cols + j] / cols;
            for (int j = 0; j < cols; j++) v += (x[r * cols + j] - m) * (x[r * cols + j] - m) / cols;
            for (int j = 0; j < cols; j++) total += (x[r * cols + j] - m) / Math.sqrt(v + 1e-5) * g[j] * dy[r * cols + j];
        }
        return total;
    }
}
