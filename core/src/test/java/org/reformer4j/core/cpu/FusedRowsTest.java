package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;

/**
 * Softmax and layer norm over [R, C] float32 tensors run their rows as pipelines (softmax: one pass takes row
 * r+1's max, row r's exponentials and row r-1's normalisation; layer norm's normalising pass of row r sums row
 * r+1). Every row must come out bit for bit as the same op on that row alone ({@link FlatF32}, unfused),
 * whichever part of the row range a thread starts at, for widths below, at and around the vector length; match
 * float64 formulas; and in place (FlatF32.softmax over a whole buffer) give the same bits.
 */
class FusedRowsTest {
    private static float[] randn(long seed, int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 3 + (i % 7 == 0 ? 2 : 0));
        return x;
    }

    @Test
    void softmaxAndLayerNormRowsEqualTheUnfusedRowBitForBit() {
        int[] widths = {1, 7, CpuVector.LANES - 1, CpuVector.LANES, CpuVector.LANES + 1, 2 * CpuVector.LANES, 3 * CpuVector.LANES + 5, 515, 4099};
        for (int cols : widths) {
            for (int rows : new int[] {1, 2, 5, 33}) {
                float[] x = randn(cols * 31L + rows, rows * cols), w = randn(cols + 1L, cols), b = randn(cols + 2L, cols);
                if (rows > 2) java.util.Arrays.fill(x, cols, 2 * cols, Float.NEGATIVE_INFINITY); // a row of -inf: NaN, as torch
                Tensor xt = Tensor.of(x, rows, cols);
                float[] sm = xt.softmax(-1).toFloatArray(), ls = xt.logSoftmax(-1).toFloatArray();
                float[] ln = Functional.layerNorm(Tensor.of(randnRows(x, cols), rows, cols), 1, Tensor.of(w, cols), Tensor.of(b, cols), 1e-5).toFloatArray();
                float[] xr = randnRows(x, cols);
                for (int r = 0; r < rows; r++) {
                    float[] row = java.util.Arrays.copyOfRange(x, r * cols, (r + 1) * cols);
                    FlatF32.softmax(row, 0, cols);
                    float[] lnRow = new float[cols];
                    FlatF32.layerNorm(xr, r * cols, cols, w, b, 1e-5, lnRow, 0);
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
                    for (int c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
                    for (int c = 0; c < cols; c++) {
                        String at = "[" + rows + ", " + cols + "] row " + r + " col " + c;
                        assertEquals(Float.floatToIntBits(row[c]), Float.floatToIntBits(sm[r * cols + c]), "softmax " + at);
                        assertEquals(Float.floatToIntBits(lnRow[c]), Float.floatToIntBits(ln[r * cols + c]), "layerNorm " + at);
                        if (max == Double.NEGATIVE_INFINITY) continue;
                        double p = Math.exp(x[r * cols + c] - max) / sum;
                        assertEquals(p, sm[r * cols + c], 2e-6 * Math.max(p, 1e-2), "softmax vs float64 " + at);
                        assertEquals(x[r * cols + c] - max - Math.log(sum), ls[r * cols + c], 2e-5 * (1 + Math.abs(x[r * cols + c] - max)), "logSoftmax " + at);
                    }
                }
            }
        }
    }

    /** Layer norm input: the softmax input with its -inf row replaced by finite values. */
    private static float[] randnRows(float[] x, int cols) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) if (Float.isInfinite(y[i])) y[i] = (i % cols) * 0.25f - 3f;
        return y;
    }

    @Test
    void layerNormRowsMatchFloat64() {
        int rows = 9, cols = 4099;
        float[] x = randn(3, rows * cols), w = randn(4, cols), b = randn(5, cols);
        for (int i = 0; i < x.length; i++) x[i] += 10f; // a mean three deviations off zero: the two-pass variance keeps its accuracy
        float[] y = Functional.layerNorm(Tensor.of(x, rows, cols), 1, Tensor.of(w, cols), Tensor.of(b, cols), 1e-5).toFloatArray();
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            for (int c = 0; c < cols; c++) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            var /= cols;
            for (int c = 0; c < cols; c++) {
                double want = (x[r * cols + c] - mean) / Math.sqrt(var + 1e-5) * w[c] + b[c];
                assertEquals(want, y[r * cols + c], 2e-5 * (1 + Math.abs(want)), "row " + r + " col " + c);
            }
        }
    }

    /** Softmax and log-softmax written over their input (the pipeline reads rows it has not yet overwritten). */
    @Test
    void inPlaceRowsEqualOutOfPlaceRows() {
        int rows = 37, cols = 3 * CpuVector.LANES + 5;
        float[] x = randn(11, rows * cols);
        for (boolean log : new boolean[] {false, true}) {
            Tensor in = Tensor.of(x.clone(), rows, cols);
            float[] want = (log ? in.logSoftmax(-1) : in.softmax(-1)).toFloatArray();
            CpuRows.softmax(in, in, log);
            float[] got = in.toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), (log ? "log-" : "") + "softmax element " + i);
        }
    }

    /** Layer norm's float32 backward (vector rows and scalar tails) against the same gradients in float64. */
    @Test
    void layerNormBackwardMatchesFloat64() {
        for (int cols : new int[] {7, CpuVector.LANES, 3 * CpuVector.LANES + 5, 515}) {
            int rows = 9;
            float[] x = randn(cols + 3L, rows * cols), w = randn(cols + 4L, cols), b = randn(cols + 5L, cols), g = randn(cols + 6L, rows * cols);
            double[][] f32 = grads(x, w, b, g, rows, cols, org.reformer4j.core.DType.F32);
            double[][] f64 = grads(x, w, b, g, rows, cols, org.reformer4j.core.DType.F64);
            String[] names = {"dx", "dw", "db"};
            for (int k = 0; k < 3; k++) {
                double scale = 0;
                for (double v : f64[k]) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < f64[k].length; i++) {
                    assertEquals(f64[k][i], f32[k][i], 3e-6 * scale, names[k] + " cols=" + cols + " i=" + i);
                }
            }
        }
    }

    private static double[][] grads(float[] x, float[] w, float[] b, float[] g, int rows, int cols, org.reformer4j.core.DType dt) {
        Tensor xt = Tensor.of(x, rows, cols).to(dt).requiresGrad(true), wt = Tensor.of(w, cols).to(dt).requiresGrad(true);
        Tensor bt = Tensor.of(b, cols).to(dt).requiresGrad(true);
        Functional.layerNorm(xt, 1, wt, bt, 1e-5).mul(Tensor.of(g, rows, cols).to(dt)).sum().backward();
        return new double[][] {xt.grad().to(org.reformer4j.core.DType.F64).toDoubleArray(), wt.grad().to(org.reformer4j.core.DType.F64).toDoubleArray(),
            bt.grad().to(org.reformer4j.core.DType.F64).toDoubleArray()};
    }
}
