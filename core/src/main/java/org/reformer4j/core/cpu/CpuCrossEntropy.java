package org.reformer4j.core.cpu;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;

/**
 * Fused cross entropy over the rows of contiguous logits [R, C] (torch.nn.functional.cross_entropy with
 * ignore_index): the forward keeps only the row's logsumexp, the backward writes
 * scale * (softmax - onehot) in one pass, so the [R, C] log-softmax is never materialised.
 */
final class CpuCrossEntropy {
    private CpuCrossEntropy() {}

    private static long target(long[] t, int p, long ignore, int c, int row) {
        long v = t[p];
        if (v != ignore && (v < 0 || v >= c)) {
            throw new IndexOutOfBoundsException("crossEntropy: target " + v + " at position " + row
                    + " is outside [0, " + c + ") and is not the ignore index " + ignore);
        }
        return v;
    }

    /** Row logsumexp: max + log(sum exp(x - max)), vectorised when the Vector API is present. */
    static float logSumExpF32(float[] a, int p, int c) {
        if (!VectorSupport.ENABLED || c < 1) return CpuRows.reduceF32(org.reformer4j.core.ReduceOp.LOGSUMEXP, a, p, c);
        float m = CpuVector.max(a, p, c);
        if (Float.isNaN(m) || Float.isInfinite(m)) return CpuRows.reduceF32(org.reformer4j.core.ReduceOp.LOGSUMEXP, a, p, c);
        return m + (float) Math.log(CpuVector.expShiftSum(a, p, m, c));
    }

    static void forward(Tensor x, Tensor target, long ignore, Tensor lseT, Tensor lossT) {
        int rows = x.size(0), c = x.size(1);
        long[] t = (long[]) target.storage().data();
        int pt = target.offset(), px0 = x.offset();
        for (int r = 0; r < rows; r++) target(t, pt + r, ignore, c, r);
        if (x.dtype() == DType.F32) {
            float[] a = (float[]) x.storage().data(), lse = (float[]) lseT.storage().data(), loss = (float[]) lossT.storage().data();
            Parallel.forRange(rows, Math.max(1, 8192 / Math.max(1, c)), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int p = px0 + r * c;
                    float l = logSumExpF32(a, p, c);
                    lse[r] = l;
                    long tv = t[pt + r];
                    loss[r] = tv == ignore ? 0f : l - a[p + (int) tv];
                }
            });
        } else {
            double[] a = (double[]) x.storage().data(), lse = (double[]) lseT.storage().data(), loss = (double[]) lossT.storage().data();
            for (int r = 0; r < rows; r++) {
                int p = px0 + r * c;
                double l = CpuRows.reduceF64(org.reformer4j.core.ReduceOp.LOGSUMEXP, a, p, c);
                lse[r] = l;
                long tv = t[pt + r];
                loss[r] = tv == ignore ? 0.0 : l - a[p + (int) tv];
            }
        }
    }

    static void backward(Tensor x, Tensor target, long ignore, Tensor lseT, Tensor scaleT, Tensor dxT) {
        int rows = x.size(0), c = x.size(1);
        long[] t = (long[]) target.storage().data();
        int pt = target.offset(), px0 = x.offset(), ps0 = scaleT.offset();
        if (x.dtype() == DType.F32) {
            float[] a = (float[]) x.storage().data(), lse = (float[]) lseT.storage().data();
            float[] sc = (float[]) scaleT.storage().data(), d = (float[]) dxT.storage().data();
            Parallel.forRange(rows, Math.max(1, 8192 / Math.max(1, c)), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int p = px0 + r * c, q = r * c;
                    long tv = t[pt + r];
                    float s = sc[ps0 + r];
                    if (tv == ignore || s == 0f) {
                        java.util.Arrays.fill(d, q, q + c, 0f);
                        continue;
                    }
                    float l = lse[r];
                    if (VectorSupport.ENABLED) CpuVector.expShiftScale(a, p, l, s, d, q, c);
                    else for (int j = 0; j < c; j++) d[q + j] = s * (float) Math.exp(a[p + j] - l);
                    d[q + (int) tv] -= s;
                }
            });
        } else {
            double[] a = (double[]) x.storage().data(), lse = (double[]) lseT.storage().data();
            double[] sc = (double[]) scaleT.storage().data(), d = (double[]) dxT.storage().data();
            for (int r = 0; r < rows; r++) {
                int p = px0 + r * c, q = r * c;
                long tv = t[pt + r];
                double s = sc[ps0 + r];
                if (tv == ignore) {
                    java.util.Arrays.fill(d, q, q + c, 0.0);
                    continue;
                }
                for (int j = 0; j < c; j++) d[q + j] = s * Math.exp(a[p + j] - lse[r]);
                d[q + (int) tv] -= s;
            }
        }
    }
}
