package org.reformer4j.core;

/**
 * matmul with torch.matmul's rules: 1-D operands get a dim prepended/appended and removed again, batch
 * dims broadcast, an N-D x 2-D product runs as one 2-D GEMM over the flattened rows, and transposed
 * operands reach the GEMM as strides, not copies. Backward: dA = dC B^T, dB = A^T dC (summed over
 * broadcast batch dims).
 */
final class LinearAlgebra {
    private LinearAlgebra() {}

    static Tensor matmul(Tensor a, Tensor b) {
        if (!a.dtype().isFloating() || !b.dtype().isFloating()) {
            throw new IllegalArgumentException("matmul: floating operands required, got " + a.dtype() + " and " + b.dtype());
        }
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least 1 dim, got shapes "
                    + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        DType dt = DType.promote(a.dtype(), b.dtype());
        a = a.to(dt);
        b = b.to(dt);
        if (a.rank() == 1 && b.rank() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        if (a.rank() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.rank() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        int k = a.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + " do not chain (" + k + " != " + b.size(-2) + ")");
        }
        if (b.rank() == 2 && a.rank() > 2) {
            int[] as = a.shape();
            int[] os = as.clone();
            os[os.length - 1] = b.size(1);
            return mm(a.reshape(-1, k), b).reshape(os);
        }
        if (a.rank() == 2 && b.rank() == 2) return mm(a, b);
        return batched(a, b);
    }

    /** [m, k] x [k, n]. */
    private static Tensor mm(Tensor a, Tensor b) {
        int m = a.size(0), n = b.size(1);
        Tensor out = Tensor.empty(new int[] {m, n}, a.dtype(), a.device());
        a.backend().matmul(a.unsqueeze(0), b.unsqueeze(0), out.unsqueeze(0));
        final Tensor fa = a, fb = b;
        return out.record("mm", g -> new Tensor[] {
            fa.requiresGrad() ? mm(g, fb.t()) : null, fb.requiresGrad() ? mm(fa.t(), g) : null
        }, a, b);
    }

    private static Tensor batched(Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        int[] aBatch = java.util.Arrays.copyOf(as, as.length - 2), bBatch = java.util.Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shape.broadcast("matmul", aBatch, bBatch);
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        int nb = Shape.numel(batch);
        Tensor a3 = flattenBatch(a.expand(Shape.concat(batch, new int[] {m, k})), nb, m, k);
        Tensor b3 = flattenBatch(b.expand(Shape.concat(batch, new int[] {k, n})), nb, k, n);
        Tensor out = Tensor.empty(new int[] {nb, m, n}, a.dtype(), a.device());
        a.backend().matmul(a3, b3, out);
        final Tensor fa = a, fb = b;
        Tensor result = out.reshape(Shape.concat(batch, new int[] {m, n}));
        return result.detach().record("bmm", g -> new Tensor[] {
            fa.requiresGrad() ? Elementwise.sumToShape(matmul(g, fb.transpose(-1, -2)), fa.shape()) : null,
            fb.requiresGrad() ? Elementwise.sumToShape(matmul(fa.transpose(-1, -2), g), fb.shape()) : null
        }, a, b);
    }

    /** [batch..., r, c] as [nb, r, c] with one batch stride, copying only when no such view exists. */
    private static Tensor flattenBatch(Tensor t, int nb, int r, int c) {
        try (var ng = GradMode.noGrad()) {
            int rank = t.rank();
            int[] st = t.strides(), sh = t.shape();
            // batch dims collapse into one stride when each is (size 1 or) stride-compatible with the next
            int stride = -1;
            boolean ok = true;
            for (int i = rank - 3; i >= 0 && ok; i--) {
                if (sh[i] == 1) continue;
                if (stride == -1) {
                    stride = st[i];
                    continue;
                }
                int inner = 1;
                for (int j = i + 1; j < rank - 2; j++) if (sh[j] != 1) inner *= sh[j];
                ok = st[i] == stride * inner || (st[i] == 0 && stride == 0);
            }
            if (ok) {
                return Tensor.view(t.storage(), new int[] {nb, r, c},
                        new int[] {stride == -1 ? 0 : stride, st[rank - 2], st[rank - 1]}, t.offset());
            }
            return t.contiguous().reshape(nb, r, c);
        }
    }
}
