package org.reformer4j.core;

/**
 * The neural-network functions (torch.nn.functional): softmax and log-softmax along a dim, linear,
 * layer norm over the trailing dims, dropout with a Philox mask, and cross entropy with ignore_index.
 * Each is one fused backend kernel forward and one backward.
 */
public final class Functional {
    private Functional() {}

    /** softmax (or log_softmax) along {@code dim}. */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        if (!x.dtype().isFloating()) x = x.to(DType.F32);
        int r = x.rank();
        if (r == 0) x = x.reshape(1);
        int d = Shape.wrapDim(op, dim, x.rank());
        int last = x.rank() - 1;
        Tensor moved = d == last ? x : x.transpose(d, last);
        Tensor in;
        try (var ng = GradMode.noGrad()) {
            in = moved.contiguous();
        }
        int cols = in.size(-1), rows = cols == 0 ? 0 : in.numel() / cols;
        Tensor y = Tensor.empty(in.shape(), in.dtype(), in.device());
        if (rows > 0) x.backend().softmaxRows(in.reshape(rows, cols), y.reshape(rows, cols), log);
        Tensor yr = y;
        Tensor res = y.record(op, g -> {
            Tensor gc = g.contiguous();
            Tensor dx = Tensor.empty(gc.shape(), gc.dtype(), gc.device());
            if (rows > 0) gc.backend().softmaxRowsBackward(yr.reshape(rows, cols), gc.reshape(rows, cols), dx.reshape(rows, cols), log);
            return new Tensor[] {dx};
        }, moved);
        res = d == last ? res : res.transpose(d, last);
        return r == 0 ? res.reshape() : res;
    }

    /** y = x W^T + b, weight [out, in], bias [out] or null (torch.nn.functional.linear). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input of shape " + Shape.str(x.shape()) + " does not fit weight "
                    + Shape.str(weight.shape()) + " ([out, in])");
        }
        Tensor y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    /**
     * Layer norm over the last {@code normalizedDims} dims, biased variance, weight and bias of those dims'
     * shape (or null).
     */
    public static Tensor layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) {
        int r = x.rank();
        if (normalizedDims < 1 || normalizedDims > r) {
            throw new IllegalArgumentException("layerNorm: cannot normalize the last " + normalizedDims + " dims of shape " + Shape.str(x.shape()));
        }
        int[] sh = x.shape();
        int c = 1;
        for (int i = r - normalizedDims; i < r; i++) c *= sh[i];
        final int cols = c;
        int[] ns = java.util.Arrays.copyOfRange(sh, r - normalizedDims, r);
        if (weight != null && !java.util.Arrays.equals(weight.shape(), ns)) {
            throw new IllegalArgumentException("layerNorm: weight of shape " + Shape.str(weight.shape()) + ", expected " + Shape.str(ns));
        }
        if (bias != null && !java.util.Arrays.equals(bias.shape(), ns)) {
            throw new IllegalArgumentException("layerNorm: bias of shape " + Shape.str(bias.shape()) + ", expected " + Shape.str(ns));
        }
        final int rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor xc;
        try (var ng = GradMode.noGrad()) {
            xc = x.contiguous().reshape(rows, cols);
        }
        Tensor w = weight == null ? null : weight.contiguous().reshape(cols);
        Tensor b = bias == null ? null : bias.contiguous().reshape(cols);
        Tensor out = Tensor.empty(new int[] {rows, cols}, x.dtype(), x.device());
        Tensor mean = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        Tensor rstd = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        x.backend().layerNormRows(xc, w, b, eps, out, mean, rstd);
        Tensor y = out.reshape(sh);
        return y.record("layerNorm", g -> {
            Tensor gc = g.contiguous().reshape(rows, cols);
            Tensor dx = Tensor.empty(new int[] {rows, cols}, x.dtype(), x.device());
            Tensor dw = weight != null && weight.requiresGrad() ? Tensor.empty(new int[] {cols}, x.dtype(), x.device()) : null;
            Tensor db = bias != null && bias.requiresGrad() ? Tensor.empty(new int[] {cols}, x.dtype(), x.device()) : null;
            x.backend().layerNormRowsBackward(xc, w, mean, rstd, gc, dx, dw, db);
            return new Tensor[] {dx.reshape(sh), dw == null ? null : dw.reshape(ns), db == null ? null : db.reshape(ns)};
        }, x, weight, bias);
    }

    /**
     * Inverted dropout: zero with probability p, scale the rest by 1/(1-p). The mask is uniform >= p
     * for the Philox numbers of (seed, stream) from block {@code counter}, so a recomputation with the
     * same key draws the same mask.
     */
    public static Tensor dropout(Tensor x, double p, long seed, long stream, long counter) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (p == 0) return x;
        if (p == 1) return x.mul(0.0);
        // float32: u >= p for a float u is u >= the smallest float at or above p; the scale is rounded once from float64
        float atLeast = org.reformer4j.core.random.Generator.maskThreshold(p), keep = (float) (1.0 / (1.0 - p));
        if (x.device().isCpu() && x.dtype() == DType.F32) {
            // the multipliers straight from the Philox words (vectorised), no uniform tensor
            Tensor mask = Tensor.empty(x.shape(), DType.F32, x.device());
            org.reformer4j.core.random.Generator.fillMask(seed, stream, counter, 0, atLeast, keep,
                    (float[]) mask.storage().data(), mask.offset(), mask.numel());
            return x.mul(mask);
        }
        if (x.dtype() == DType.F32) {
            // an accelerator's fused kernel: the CPU path's mask, one launch
            Tensor xc;
            try (var ng = GradMode.noGrad()) {
                xc = x.contiguous();
            }
            Tensor y = Tensor.empty(x.shape(), DType.F32, x.device()), mask = Tensor.empty(x.shape(), DType.F32, x.device());
            if (x.backend().dropout(xc, y, mask, atLeast, keep, seed, stream, counter)) {
                return y.record("dropout", g -> new Tensor[] {g.mul(mask)}, x);
            }
        }
        Tensor u = Tensor.rand(x.shape(), seed, stream, counter, x.dtype(), x.device());
        if (u.device().isCpu() && u.storage().data() instanceof double[] a) { // float64 (float32 returned above)
            // the keep mask times 1/(1-p) written over the uniforms in one pass (no bool tensor, no where)
            int off = u.offset(), n = u.numel();
            double keep64 = 1.0 / (1.0 - p);
            for (int i = off; i < off + n; i++) a[i] = a[i] >= p ? keep64 : 0.0;
            return x.mul(u);
        }
        Tensor scale = Tensor.where(u.ge(p), Constants.of(1.0 / (1.0 - p), x.dtype(), x.device()),
                Constants.of(0.0, x.dtype(), x.device()));
        return x.mul(scale);
    }

    /**
     * Mean cross entropy of {@code logits} [..., C] against integer {@code target} [...], skipping targets
     * equal to {@code ignoreIndex}; 0-d result (NaN when every target is ignored, as torch).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, long ignoreIndex) {
        if (target.dtype() != DType.I64 && target.dtype() != DType.I32) {
            throw new IllegalArgumentException("crossEntropy: target must be int32 or int64, got " + target.dtype());
        }
        int[] ls = logits.shape();
        int c = ls[ls.length - 1];
        if (!java.util.Arrays.equals(java.util.Arrays.copyOf(ls, ls.length - 1), target.shape())) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shape.str(ls) + " need target of shape "
                    + Shape.str(java.util.Arrays.copyOf(ls, ls.length - 1)) + ", got " + Shape.str(target.shape()));
        }
        Tensor x;
        try (var ng = GradMode.noGrad()) {
            x = logits.contiguous().reshape(-1, c);
        }
        Tensor t = target.to(DType.I64).contiguous().reshape(-1);
        int rows = x.size(0);
        Tensor lse = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        Tensor perRow = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        x.backend().crossEntropyRows(x, t, ignoreIndex, lse, perRow);
        Tensor kept = t.ne(Constants.of(ignoreIndex, DType.I64, t.device())).to(x.dtype());
        Tensor count = kept.sum();
        Tensor loss = perRow.sum().div(count);
        Tensor xs = x;
        return loss.detach().record("crossEntropy", g -> {
            Tensor scale = kept.mul(g.div(count));
            Tensor dx = Tensor.empty(xs.shape(), xs.dtype(), xs.device());
            xs.backend().crossEntropyRowsBackward(xs, t, ignoreIndex, lse, scale.contiguous(), dx);
            return new Tensor[] {dx.reshape(ls)};
        }, logits);
    }
}
