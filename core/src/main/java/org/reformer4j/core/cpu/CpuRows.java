package org.reformer4j.core.cpu;

import org.reformer4j.core.DType;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Tensor;

/**
 * CPU row kernels over contiguous [R, C] tensors: reductions, arg-max/min, softmax / log-softmax and
 * layer norm with their backward passes. Rows run in parallel; float32 rows use {@link CpuVector} when
 * the Vector API is on, and the scalar loops here otherwise (they are also its test oracle).
 */
final class CpuRows {
    private CpuRows() {}

    private static int grain(int cols) {
        return Math.max(1, (1 << 14) / Math.max(1, cols));
    }

    static void reduce(ReduceOp op, Tensor a, Tensor out) {
        int rows = a.size(0), cols = a.size(1);
        int pa0 = a.offset(), po0 = out.offset();
        switch (a.dtype()) {
            case F32 -> {
                float[] x = (float[]) a.storage().data(), y = (float[]) out.storage().data();
                Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                    for (int r = r0; r < r1; r++) y[po0 + r] = reduceF32(op, x, pa0 + r * cols, cols);
                });
            }
            case F64 -> {
                double[] x = (double[]) a.storage().data(), y = (double[]) out.storage().data();
                Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                    for (int r = r0; r < r1; r++) y[po0 + r] = reduceF64(op, x, pa0 + r * cols, cols);
                });
            }
            default -> {
                Object x = a.storage().data(), y = out.storage().data();
                DType t = a.dtype();
                for (int r = 0; r < rows; r++) {
                    long acc = op == ReduceOp.SUM ? 0 : op == ReduceOp.MAX ? Long.MIN_VALUE : Long.MAX_VALUE;
                    for (int c = 0; c < cols; c++) {
                        long v = Access.getLong(x, t, pa0 + r * cols + c);
                        acc = switch (op) {
                            case SUM -> acc + v;
                            case MAX -> Math.max(acc, v);
                            case MIN -> Math.min(acc, v);
                            default -> throw new IllegalArgumentException(op + " is not defined for " + t);
                        };
                    }
                    Access.setLong(y, out.dtype(), po0 + r, acc);
                }
            }
        }
    }

    static float reduceF32(ReduceOp op, float[] x, int p, int n) {
        boolean vec = VectorSupport.ENABLED;
        switch (op) {
            case SUM, MEAN -> {
                float s = vec ? CpuVector.sum(x, p, n) : sumF32(x, p, n);
                return op == ReduceOp.SUM ? s : s / n;
            }
            case MAX, MIN -> {
                float m = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    float v = x[p + i];
                    if (v != v) return Float.NaN;
                    m = op == ReduceOp.MAX ? Math.max(m, v) : Math.min(m, v);
                }
                return m;
            }
            case VAR -> {
                float mean = (vec ? CpuVector.sum(x, p, n) : sumF32(x, p, n)) / n;
                float ss = vec ? CpuVector.sumSqDev(x, p, mean, n) : sumSqDevF32(x, p, mean, n);
                return ss / n;
            }
            case LOGSUMEXP -> {
                float m = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) m = Math.max(m, x[p + i]);
                if (m == Float.NEGATIVE_INFINITY || Float.isNaN(m) || m == Float.POSITIVE_INFINITY) {
                    float s = 0f;
                    for (int i = 0; i < n; i++) s += (float) Math.exp(x[p + i]);
                    return (float) Math.log(s);
                }
                float s = 0f;
                for (int i = 0; i < n; i++) s += (float) Math.exp(x[p + i] - m);
                return m + (float) Math.log(s);
            }
            case NORM2 -> {
                double s = 0;
                for (int i = 0; i < n; i++) s += (double) x[p + i] * x[p + i];
                return (float) Math.sqrt(s);
            }
            case PROD -> {
                float s = 1f;
                for (int i = 0; i < n; i++) s *= x[p + i];
                return s;
            }
        }
        throw new IllegalStateException(op.toString());
    }

    static float sumF32(float[] x, int p, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += x[p + i];
        return s;
    }

    static float sumSqDevF32(float[] x, int p, float mean, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[p + i] - mean;
            s += d * d;
        }
        return s;
    }

    static double reduceF64(ReduceOp op, double[] x, int p, int n) {
        switch (op) {
            case SUM, MEAN -> {
                double s = 0;
                for (int i = 0; i < n; i++) s += x[p + i];
                return op == ReduceOp.SUM ? s : s / n;
            }
            case MAX, MIN -> {
                double m = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    double v = x[p + i];
                    if (v != v) return Double.NaN;
                    m = op == ReduceOp.MAX ? Math.max(m, v) : Math.min(m, v);
                }
                return m;
            }
            case VAR -> {
                double mean = reduceF64(ReduceOp.MEAN, x, p, n), s = 0;
                for (int i = 0; i < n; i++) s += (x[p + i] - mean) * (x[p + i] - mean);
                return s / n;
            }
            case LOGSUMEXP -> {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) m = Math.max(m, x[p + i]);
                if (Double.isInfinite(m) || Double.isNaN(m)) {
                    double s = 0;
                    for (int i = 0; i < n; i++) s += Math.exp(x[p + i]);
                    return Math.log(s);
                }
                double s = 0;
                for (int i = 0; i < n; i++) s += Math.exp(x[p + i] - m);
                return m + Math.log(s);
            }
            case NORM2 -> {
                double s = 0;
                for (int i = 0; i < n; i++) s += x[p + i] * x[p + i];
                return Math.sqrt(s);
            }
            case PROD -> {
                double s = 1;
                for (int i = 0; i < n; i++) s *= x[p + i];
                return s;
            }
        }
        throw new IllegalStateException(op.toString());
    }

    static void argReduce(boolean max, Tensor a, Tensor out) {
        int rows = a.size(0), cols = a.size(1);
        long[] y = (long[]) out.storage().data();
        Object x = a.storage().data();
        DType t = a.dtype();
        int pa0 = a.offset(), po0 = out.offset();
        Parallel.forRange(rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = pa0 + r * cols, best = 0;
                double bv = Access.get(x, t, base);
                for (int c = 1; c < cols && bv == bv; c++) {
                    double v = Access.get(x, t, base + c);
                    if (v != v || (max ? v > bv : v < bv)) {
                        bv = v;
                        best = c;
                    }
                }
                y[po0 + r] = best;
            }
        });
    }

    static void softmax(Tensor a, Tensor out, boolean log) {
        int rows = a.size(0), cols = a.size(1);
        int pa0 = a.offset(), po0 = out.offset();
        if (a.dtype() == DType.F32) {
            float[] x = (float[]) a.storage().data(), y = (float[]) out.storage().data();
            boolean vec = VectorSupport.ENABLED;
            if (vec && cols >= CpuVector.LANES && !(x == y && pa0 != po0)) {
                Parallel.forRange(rows, grain(cols), (r0, r1) -> pipelinedRows(x, pa0, y, po0, cols, r0, r1, log));
                return;
            }
            Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int px = pa0 + r * cols, py = po0 + r * cols;
                    float m = vec ? CpuVector.max(x, px, cols) : maxF32(x, px, cols);
                    if (m == Float.NEGATIVE_INFINITY) m = 0f;
                    float s = vec ? CpuVector.expShiftSum(x, px, m, y, py, cols) : expShiftSumF32(x, px, m, y, py, cols);
                    if (log) {
                        float lse = m + (float) Math.log(s);
                        if (vec) CpuVector.addScalar(x, px, -lse, y, py, cols);
                        else addScalarF32(x, px, -lse, y, py, cols);
                    } else {
                        float inv = 1f / s;
                        if (vec) CpuVector.scale(y, py, inv, cols);
                        else scaleF32(y, py, inv, cols);
                    }
                }
            });
        } else {
            double[] x = (double[]) a.storage().data(), y = (double[]) out.storage().data();
            Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int px = pa0 + r * cols, py = po0 + r * cols;
                    double m = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < cols; c++) m = Math.max(m, x[px + c]);
                    if (m == Double.NEGATIVE_INFINITY) m = 0;
                    double s = 0;
                    for (int c = 0; c < cols; c++) s += (y[py + c] = Math.exp(x[px + c] - m));
                    if (log) {
                        double lse = m + Math.log(s);
                        for (int c = 0; c < cols; c++) y[py + c] = x[px + c] - lse;
                    } else {
                        for (int c = 0; c < cols; c++) y[py + c] /= s;
                    }
                }
            });
        }
    }

    /**
     * Softmax (or log-softmax) rows [r0, r1) of at least one vector as a pipeline: each pass over a row takes
     * the next row's max, this row's exponentials and the previous row's normalisation (CpuVector's
     * softmaxPipelined / logSoftmaxPipelined), so every row is read from memory once and its output written once,
     * with the arithmetic of three rows between the memory accesses. The same bits as the row-by-row loop.
     */
    private static void pipelinedRows(float[] x, int pa0, float[] y, int po0, int cols, int r0, int r1, boolean log) {
        float[] nextMax = new float[1];
        float m = CpuVector.max(x, pa0 + r0 * cols, cols), prevInv = 0f, prevNegLse = 0f;
        for (int r = r0; r < r1; r++) {
            int px = pa0 + r * cols, py = po0 + r * cols, pNext = r + 1 < r1 ? px + cols : px;
            if (m == Float.NEGATIVE_INFINITY) m = 0f;
            float s;
            if (r == r0 && log) { // nothing stored: in place, x's row is still to be read by the next pass
                s = CpuVector.expShiftSum(x, px, m, cols);
                nextMax[0] = CpuVector.max(x, pNext, cols);
            } else if (r == r0) {
                s = CpuVector.expShiftSumNextMax(x, px, m, y, py, cols, pNext, nextMax);
            } else if (log) {
                s = CpuVector.logSoftmaxPipelined(x, px, m, cols, px - cols, prevNegLse, y, py - cols, pNext, nextMax);
            } else {
                s = CpuVector.softmaxPipelined(x, px, m, y, py, cols, py - cols, prevInv, pNext, nextMax);
            }
            prevInv = 1f / s;
            prevNegLse = -(m + (float) Math.log(s));
            m = nextMax[0];
        }
        int pxLast = pa0 + (r1 - 1) * cols, pyLast = po0 + (r1 - 1) * cols;
        if (log) CpuVector.addScalar(x, pxLast, prevNegLse, y, pyLast, cols);
        else CpuVector.scale(y, pyLast, prevInv, cols);
    }

    static float maxF32(float[] x, int p, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[p + i]);
        return m;
    }

    /** y = x - c as x + (-c) (the same float as the subtraction). */
    static void addScalarF32(float[] x, int px, float negC, float[] y, int py, int n) {
        for (int i = 0; i < n; i++) y[py + i] = x[px + i] + negC;
    }

    /** y *= s in place. */
    static void scaleF32(float[] y, int py, float s, int n) {
        for (int i = 0; i < n; i++) y[py + i] *= s;
    }

    /** d = y * (g - s), softmax's backward row once s = sum(g * y) is known. */
    static void mulDiffF32(float[] y, int py, float[] g, int pg, float s, float[] d, int pd, int n) {
        for (int i = 0; i < n; i++) d[pd + i] = y[py + i] * (g[pg + i] - s);
    }

    static float expShiftSumF32(float[] x, int px, float m, float[] y, int py, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += (y[py + i] = (float) Math.exp(x[px + i] - m));
        return s;
    }

    static void softmaxBackward(Tensor yT, Tensor dyT, Tensor dxT, boolean log) {
        int rows = yT.size(0), cols = yT.size(1);
        int py0 = yT.offset(), pg0 = dyT.offset(), pd0 = dxT.offset();
        if (yT.dtype() == DType.F32) {
            float[] y = (float[]) yT.storage().data(), g = (float[]) dyT.storage().data(), d = (float[]) dxT.storage().data();
            boolean vec = VectorSupport.ENABLED;
            Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int py = py0 + r * cols, pg = pg0 + r * cols, pd = pd0 + r * cols;
                    if (log) {
                        float s = vec ? CpuVector.sum(g, pg, cols) : sumF32(g, pg, cols);
                        for (int c = 0; c < cols; c++) d[pd + c] = g[pg + c] - (float) Math.exp(y[py + c]) * s;
                    } else {
                        float s = vec ? CpuVector.dot(g, pg, y, py, cols) : dotF32(g, pg, y, py, cols);
                        if (vec) CpuVector.mulDiff(y, py, g, pg, s, d, pd, cols);
                        else mulDiffF32(y, py, g, pg, s, d, pd, cols);
                    }
                }
            });
        } else {
            double[] y = (double[]) yT.storage().data(), g = (double[]) dyT.storage().data(), d = (double[]) dxT.storage().data();
            Parallel.forRange(rows, grain(cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int py = py0 + r * cols, pg = pg0 + r * cols, pd = pd0 + r * cols;
                    double s = 0;
                    if (log) {
                        for (int c = 0; c < cols; c++) s += g[pg + c];
                        for (int c = 0; c < cols; c++) d[pd + c] = g[pg + c] - Math.exp(y[py + c]) * s;
                    } else {
                        for (int c = 0; c < cols; c++) s += g[pg + c] * y[py + c];
                        for (int c = 0; c < cols; c++) d[pd + c] = y[py + c] * (g[pg + c] - s);
                    }
                }
            });
        }
    }

    static float dotF32(float[] a, int pa, float[] b, int pb, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += a[pa + i] * b[pb + i];
        return s;
    }
}
