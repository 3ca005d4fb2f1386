package org.reformer4j.core.cpu;

import org.reformer4j.core.UnaryOp;

/**
 * Float32 row kernels on flat arrays, public for callers that run a whole small computation on their own
 * preallocated buffers instead of one tensor op per step (the model's incremental decoding: one position,
 * ~30 ops per layer, where dispatch and allocation would cost more than the arithmetic). Each method is the
 * arithmetic of the CPU backend's tensor op of the same name (torch.nn.functional.linear at one position,
 * layer_norm, softmax, the elementwise ops), vector twin when {@link VectorSupport#ENABLED}, scalar loop
 * otherwise. Weight and bias arrays of {@link #layerNorm} start at index 0.
 */
public final class FlatF32 {
    private FlatF32() {}

    /** Whether the Vector API twins run (else the scalar loops). */
    public static boolean vectorised() {
        return VectorSupport.ENABLED;
    }

    /**
     * y[j] = W[j, :] . x (+ bias[j]) for j < n: a Linear weight W [n, k] row-major at wOff, x at xOff, bias
     * (or null) at bOff. Runs on the calling thread (a caller that wants threads gives each a range of rows).
     */
    public static void linear(int n, int k, float[] w, int wOff, float[] bias, int bOff, float[] x, int xOff, float[] y, int yOff) {
        if (wOff < 0 || (long) wOff + (long) n * k > w.length || xOff < 0 || xOff + k > x.length || yOff < 0 || yOff + n > y.length
                || (bias != null && (bOff < 0 || bOff + n > bias.length))) {
            throw new IllegalArgumentException("FlatF32.linear: weight [" + n + ", " + k + "] at " + wOff + " of " + w.length
                    + ", x at " + xOff + " of " + x.length + ", y at " + yOff + " of " + y.length
                    + (bias == null ? "" : ", bias at " + bOff + " of " + bias.length) + " do not fit");
        }
        CpuGemv.dotRows(w, wOff, k, x, xOff, k, y, yOff, 0, n);
        if (bias != null) for (int j = 0; j < n; j++) y[yOff + j] += bias[bOff + j];
    }

    /** y = (x - mean) / sqrt(var + eps) * w + b over n elements (biased variance; w, b from index 0, or null). */
    public static void layerNorm(float[] x, int px, int n, float[] w, float[] b, double eps, float[] y, int py) {
        boolean vec = VectorSupport.ENABLED;
        float mean = (vec ? CpuVector.sum(x, px, n) : CpuRows.sumF32(x, px, n)) / n;
        float var = (vec ? CpuVector.sumSqDev(x, px, mean, n) : CpuRows.sumSqDevF32(x, px, mean, n)) / n;
        float rstd = (float) (1.0 / Math.sqrt(var + eps));
        if (vec) {
            CpuVector.normalize(x, px, mean, rstd, w, b, y, py, n);
            return;
        }
        for (int c = 0; c < n; c++) {
            float v = (x[px + c] - mean) * rstd;
            if (w != null) v *= w[c];
            if (b != null) v += b[c];
            y[py + c] = v;
        }
    }

    /** x = softmax(x) over n elements in place (max-shifted; a row of -inf gives NaN as the tensor op does). */
    public static void softmax(float[] x, int p, int n) {
        boolean vec = VectorSupport.ENABLED;
        float m = vec ? CpuVector.max(x, p, n) : CpuRows.maxF32(x, p, n);
        if (m == Float.NEGATIVE_INFINITY) m = 0f;
        float s = vec ? CpuVector.expShiftSum(x, p, m, x, p, n) : CpuRows.expShiftSumF32(x, p, m, x, p, n);
        float inv = 1f / s;
        for (int c = 0; c < n; c++) x[p + c] *= inv;
    }

    /** y = op(x) over n elements (y may be x). */
    public static void unary(UnaryOp op, float[] x, int px, float[] y, int py, int n) {
        if (!(VectorSupport.ENABLED && n >= CpuVector.LANES && CpuVector.unary(op, 0f, x, px, y, py, n))) CpuElementwise.unaryF32(op, 0, x, px, 1, y, py, 1, n);
    }

    /** The dot product of a[pa .. pa+n) and b[pb .. pb+n). */
    public static float dot(float[] a, int pa, float[] b, int pb, int n) {
        return VectorSupport.ENABLED ? CpuVector.dot(a, pa, b, pb, n) : CpuRows.dotF32(a, pa, b, pb, n);
    }

    /** y *= s over n elements in place (the same bits in vector lanes and scalar: one product each). */
    public static void scale(float[] y, int py, float s, int n) {
        if (VectorSupport.ENABLED) CpuVector.scale(y, py, s, n);
        else CpuRows.scaleF32(y, py, s, n);
    }

    /** y += alpha * x over n elements. */
    public static void axpy(float alpha, float[] x, int px, float[] y, int py, int n) {
        if (VectorSupport.ENABLED) {
            CpuVector.axpy(alpha, x, px, y, py, n);
            return;
        }
        for (int i = 0; i < n; i++) y[py + i] += alpha * x[px + i];
    }
}
