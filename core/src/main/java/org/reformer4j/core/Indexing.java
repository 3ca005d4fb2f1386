package org.reformer4j.core;

/**
 * Integer indexing: gather / scatter_add (each other's gradient), index_select / index_add, embedding
 * lookup, stable sort, top-k and one-hot. Index tensors are int32 or int64; an index out of range is an
 * error naming the op, the value and the limit (checked by the backend).
 */
final class Indexing {
    private Indexing() {}

    private static void requireIndex(String op, Tensor index) {
        if (index.dtype() != DType.I64 && index.dtype() != DType.I32) {
            throw new IllegalArgumentException(op + ": index must be int32 or int64, got " + index.dtype());
        }
    }

    static Tensor gather(Tensor src, int dim, Tensor index) {
        requireIndex("gather", index);
        int d = Shape.wrapDim("gather", dim, src.rank());
        int[] ss = src.shape(), is = index.shape();
        if (is.length != ss.length) {
            throw new IllegalArgumentException("gather: index of rank " + is.length + " for a tensor of rank " + ss.length);
        }
        for (int i = 0; i < ss.length; i++) {
            if (i != d && is[i] > ss[i]) {
                throw new IllegalArgumentException("gather: index shape " + Shape.str(is) + " exceeds source shape "
                        + Shape.str(ss) + " at dim " + i);
            }
        }
        Tensor out = Tensor.empty(is, src.dtype(), src.device());
        src.backend().gather(src, d, index, out);
        return out.record("gather", g -> new Tensor[] {
            Tensor.zeros(ss, g.dtype(), g.device()).scatterAdd(d, index, g)
        }, src);
    }

    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
        requireIndex("scatterAdd", index);
        int d = Shape.wrapDim("scatterAdd", dim, self.rank());
        int[] ss = self.shape(), is = index.shape(), rs = src.shape();
        if (is.length != ss.length || rs.length != ss.length) {
            throw new IllegalArgumentException("scatterAdd: self " + Shape.str(ss) + ", index " + Shape.str(is)
                    + " and src " + Shape.str(rs) + " must have the same rank");
        }
        for (int i = 0; i < ss.length; i++) {
            if (is[i] > rs[i] || (i != d && is[i] > ss[i])) {
                throw new IllegalArgumentException("scatterAdd: index shape " + Shape.str(is) + " does not fit self "
                        + Shape.str(ss) + " / src " + Shape.str(rs) + " at dim " + i);
            }
        }
        DType dt = DType.promote(self.dtype(), src.dtype());
        Tensor out = self.to(dt).detach().clone();
        Tensor s2 = src.to(dt);
        out.backend().scatterAdd(out, d, index, s2);
        return out.record("scatterAdd", g -> new Tensor[] {
            self.requiresGrad() ? g : null,
            s2.requiresGrad() ? padTo(g.gather(d, index), rs) : null
        }, self, s2);
    }

    /** A gradient gathered at the index shape, zero-padded up to src's shape when index is smaller. */
    private static Tensor padTo(Tensor g, int[] shape) {
        if (java.util.Arrays.equals(g.shape(), shape)) return g;
        Tensor z = Tensor.zeros(shape, g.dtype(), g.device());
        Tensor view = z;
        int[] gs = g.shape();
        for (int i = 0; i < gs.length; i++) view = view.narrow(i, 0, gs[i]);
        view.copyFrom(g);
        return z;
    }

    static Tensor indexSelect(Tensor src, int dim, Tensor index) {
        requireIndex("indexSelect", index);
        if (index.rank() != 1) {
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got shape " + Shape.str(index.shape()));
        }
        int d = Shape.wrapDim("indexSelect", dim, src.rank());
        int[] os = src.shape();
        int[] ss = src.shape();
        os[d] = index.size(0);
        Tensor out = Tensor.empty(os, src.dtype(), src.device());
        src.backend().indexSelect(src, d, index, out);
        return out.record("indexSelect", g -> {
            Tensor z = Tensor.zeros(ss, g.dtype(), g.device());
            z.backend().indexAdd(z, d, index, g.contiguous());
            return new Tensor[] {z};
        }, src);
    }

    static Tensor embedding(Tensor weight, Tensor ids) {
        requireIndex("embedding", ids);
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [numEmbeddings, dim], got " + Shape.str(weight.shape()));
        }
        int[] is = ids.shape();
        Tensor rows = indexSelect(weight, 0, ids.reshape(-1));
        return rows.reshape(Shape.concat(is, new int[] {weight.size(1)}));
    }

    static ValuesIndices sort(Tensor x, int dim, boolean descending) {
        int r = x.rank();
        if (r == 0) return new ValuesIndices(x, Tensor.scalar(0, DType.I64, x.device()));
        int d = Shape.wrapDim("sort", dim, r);
        return sortK(x, d, descending, x.size(d), "sort");
    }

    static ValuesIndices topk(Tensor x, int k, int dim, boolean largest) {
        int d = Shape.wrapDim("topk", dim, Math.max(1, x.rank()));
        int n = x.rank() == 0 ? 1 : x.size(d);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for dim " + d + " of size " + n);
        }
        return sortK(x, d, largest, k, "topk");
    }

    private static ValuesIndices sortK(Tensor x, int d, boolean descending, int k, String op) {
        int r = x.rank();
        int[] sh = x.shape();
        Tensor moved;
        try (var ng = GradMode.noGrad()) {
            moved = x.transpose(d, r - 1).contiguous();
        }
        int cols = sh[d], rows = cols == 0 ? 0 : x.numel() / cols;
        int[] ms = moved.shape();
        ms[r - 1] = k;
        Tensor vals = Tensor.empty(ms, x.dtype(), x.device());
        Tensor idx = Tensor.empty(ms, DType.I64, x.device());
        if (rows > 0) {
            x.backend().sortRows(moved.reshape(rows, cols), descending, k, vals.reshape(rows, k), idx.reshape(rows, k));
        }
        Tensor v = vals.transpose(d, r - 1).contiguous();
        Tensor i = idx.transpose(d, r - 1).contiguous();
        v = v.record(op, g -> new Tensor[] {Tensor.zeros(sh, g.dtype(), g.device()).scatterAdd(d, i, g)}, x);
        return new ValuesIndices(v, i);
    }

    static Tensor oneHot(Tensor ids, int numClasses) {
        requireIndex("oneHot", ids);
        if (numClasses <= 0) throw new IllegalArgumentException("oneHot: numClasses must be positive, got " + numClasses);
        int[] is = ids.shape();
        Tensor out = Tensor.zeros(Shape.concat(is, new int[] {numClasses}), DType.I64, ids.device());
        Tensor ones = Tensor.full(Shape.concat(is, new int[] {1}), 1, DType.I64, ids.device());
        out.backend().scatterAdd(out, is.length, ids.to(DType.I64).unsqueeze(-1).contiguous(), ones);
        return out;
    }
}
