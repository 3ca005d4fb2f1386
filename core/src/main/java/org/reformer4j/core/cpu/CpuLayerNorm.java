package org.reformer4j.core.cpu;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;

/**
 * Layer norm over the rows of a contiguous [R, C] tensor (torch.nn.functional.layer_norm with biased
 * variance), forward and backward. With xhat = (x - mean) * rstd and dxhat = dy * w:
 * dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dw = sum_rows dy * xhat, db = sum_rows dy.
 */
final class CpuLayerNorm {
    private CpuLayerNorm() {}

    static void forward(Tensor xT, Tensor wT, Tensor bT, double eps, Tensor outT, Tensor meanT, Tensor rstdT) {
        int rows = xT.size(0), cols = xT.size(1);
        int px0 = xT.offset();
        if (xT.dtype() == DType.F32) {
            float[] x = (float[]) xT.storage().data(), y = (float[]) outT.storage().data();
            float[] mu = (float[]) meanT.storage().data(), rs = (float[]) rstdT.storage().data();
            float[] w = wT == null ? null : (float[]) wT.contiguous().storage().data();
            float[] b = bT == null ? null : (float[]) bT.contiguous().storage().data();
            int wo = wT == null ? 0 : wT.contiguous().offset(), bo = bT == null ? 0 : bT.contiguous().offset();
            if (wo != 0 || bo != 0) throw new IllegalStateException("layerNorm: weight and bias must start at offset 0");
            boolean vec = VectorSupport.ENABLED;
            Parallel.forRange(rows, Math.max(1, 4096 / Math.max(1, cols)), (r0, r1) -> {
                // vector rows: the normalising pass of row r also sums row r+1 (normalizeNextSum, the same bits as
                // sum), so the next row's reads overlap this row's writes instead of waiting in a pass of their own
                float sumNext = vec ? CpuVector.sum(x, px0 + r0 * cols, cols) : 0f;
                for (int r = r0; r < r1; r++) {
                    int px = px0 + r * cols, py = r * cols;
                    float mean = (vec ? sumNext : CpuRows.sumF32(x, px, cols)) / cols;
                    float var = (vec ? CpuVector.sumSqDev(x, px, mean, cols) : CpuRows.sumSqDevF32(x, px, mean, cols)) / cols;
                    float rstd = (float) (1.0 / Math.sqrt(var + eps));
                    mu[r] = mean;
                    rs[r] = rstd;
                    if (vec && r + 1 < r1) {
                        sumNext = CpuVector.normalizeNextSum(x, px, mean, rstd, w, b, y, py, cols, px + cols);
                    } else if (vec) {
                        CpuVector.normalize(x, px, mean, rstd, w, b, y, py, cols);
                    } else {
                        for (int c = 0; c < cols; c++) {
                            float v = (x[px + c] - mean) * rstd;
                            if (w != null) v *= w[c];
                            if (b != null) v += b[c];
                            y[py + c] = v;
                        }
                    }
                }
            });
        } else {
            double[] x = (double[]) xT.storage().data(), y = (double[]) outT.storage().data();
            double[] mu = (double[]) meanT.storage().data(), rs = (double[]) rstdT.storage().data();
            double[] w = wT == null ? null : (double[]) wT.contiguous().storage().data();
            double[] b = bT == null ? null : (double[]) bT.contiguous().storage().data();
            for (int r = 0; r < rows; r++) {
                int px = px0 + r * cols, py = r * cols;
                double mean = 0;
                for (int c = 0; c < cols; c++) mean += x[px + c];
                mean /= cols;
                double var = 0;
                for (int c = 0; c < cols; c++) var += (x[px + c] - mean) * (x[px + c] - mean);
                var /= cols;
                double rstd = 1.0 / Math.sqrt(var + eps);
                mu[r] = mean;
                rs[r] = rstd;
                for (int c = 0; c < cols; c++) {
                    double v = (x[px + c] - mean) * rstd;
                    if (w != null) v *= w[c];
                    if (b != null) v += b[c];
                    y[py + c] = v;
                }
            }
        }
    }

    static void backward(Tensor xT, Tensor wT, Tensor meanT, Tensor rstdT, Tensor dyT, Tensor dxT, Tensor dwT, Tensor dbT) {
        int rows = xT.size(0), cols = xT.size(1);
        int px0 = xT.offset(), pg0 = dyT.offset();
        if (xT.dtype() == DType.F32) {
            float[] x = (float[]) xT.storage().data(), g = (float[]) dyT.storage().data(), dx = (float[]) dxT.storage().data();
            float[] mu = (float[]) meanT.storage().data(), rs = (float[]) rstdT.storage().data();
            float[] w = wT == null ? null : (float[]) wT.storage().data();
            int parts = Math.min(Parallel.threads(), Math.max(1, rows * cols / 8192));
            float[][] dwp = new float[parts][cols], dbp = new float[parts][cols];
            boolean vec = VectorSupport.ENABLED && cols >= CpuVector.LANES;
            Parallel.forParts(rows, parts, (r0, r1) -> {
                int part = (int) (((long) r0 * parts + rows - 1) / rows);
                for (int r = r0; r < r1; r++) {
                    int px = px0 + r * cols, pg = pg0 + r * cols, pd = r * cols;
                    float mean = mu[r], rstd = rs[r];
                    if (vec) {
                        CpuVector.layerNormBackwardRow(x, px, g, pg, w, mean, rstd, dwp[part], dbp[part], dx, pd, cols);
                        continue;
                    }
                    float sumG = 0f, sumGX = 0f;
                    for (int c = 0; c < cols; c++) {
                        float xh = (x[px + c] - mean) * rstd;
                        float gh = w == null ? g[pg + c] : g[pg + c] * w[c];
                        sumG += gh;
                        sumGX += gh * xh;
                        dwp[part][c] += g[pg + c] * xh;
                        dbp[part][c] += g[pg + c];
                    }
                    float mg = sumG / cols, mgx = sumGX / cols;
                    for (int c = 0; c < cols; c++) {
                        float xh = (x[px + c] - mean) * rstd;
                        float gh = w == null ? g[pg + c] : g[pg + c] * w[c];
                        dx[pd + c] = rstd * (gh - mg - xh * mgx);
                    }
                }
            });
            if (dwT != null) {
                float[] dw = (float[]) dwT.storage().data();
                for (int c = 0; c < cols; c++) {
                    float s = 0f;
                    for (float[] p : dwp) s += p[c];
                    dw[c] = s;
                }
            }
            if (dbT != null) {
                float[] db = (float[]) dbT.storage().data();
                for (int c = 0; c < cols; c++) {
                    float s = 0f;
                    for (float[] p : dbp) s += p[c];
                    db[c] = s;
                }
            }
        } else {
            double[] x = (double[]) xT.storage().data(), g = (double[]) dyT.storage().data(), dx = (double[]) dxT.storage().data();
            double[] mu = (double[]) meanT.storage().data(), rs = (double[]) rstdT.storage().data();
            double[] w = wT == null ? null : (double[]) wT.storage().data();
            double[] dw = new double[cols], db = new double[cols];
            for (int r = 0; r < rows; r++) {
                int px = px0 + r * cols, pg = pg0 + r * cols, pd = r * cols;
                double mean = mu[r], rstd = rs[r], sumG = 0, sumGX = 0;
                for (int c = 0; c < cols; c++) {
                    double xh = (x[px + c] - mean) * rstd;
                    double gh = w == null ? g[pg + c] : g[pg + c] * w[c];
                    sumG += gh;
                    sumGX += gh * xh;
                    dw[c] += g[pg + c] * xh;
                    db[c] += g[pg + c];
                }
                double mg = sumG / cols, mgx = sumGX / cols;
                for (int c = 0; c < cols; c++) {
                    double xh = (x[px + c] - mean) * rstd;
                    double gh = w == null ? g[pg + c] : g[pg + c] * w[c];
                    dx[pd + c] = rstd * (gh - mg - xh * mgx);
                }
            }
            if (dwT != null) System.arraycopy(dw, 0, (double[]) dwT.storage().data(), 0, cols);
            if (dbT != null) System.arraycopy(db, 0, (double[]) dbT.storage().data(), 0, cols);
        }
    }
}
