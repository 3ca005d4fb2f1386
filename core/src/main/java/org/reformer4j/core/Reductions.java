package org.reformer4j.core;

import java.util.Arrays;

/**
 * Reductions over any set of dims, with keepDim: the reduced dims are moved last and the backend
 * reduces rows of a [R, C] view. Backward expands the gradient back over the reduced dims.
 */
final class Reductions {
    private Reductions() {}

    /** dims null = all dims. */
    static Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        if (!x.dtype().isFloating() && op != ReduceOp.SUM && op != ReduceOp.MAX && op != ReduceOp.MIN) {
            x = x.to(DType.F32);
        }
        if (x.dtype() == DType.BOOL || (op == ReduceOp.SUM && !x.dtype().isFloating())) x = x.to(DType.I64);
        final Tensor in = x;
        boolean[] red = reducedMask(op.name().toLowerCase(), x.rank(), dims);
        int[] sh = x.shape();
        int r = sh.length;
        int[] perm = new int[r];
        int k = 0, rows = 1, cols = 1;
        for (int i = 0; i < r; i++) if (!red[i]) { perm[k++] = i; rows *= sh[i]; }
        for (int i = 0; i < r; i++) if (red[i]) { perm[k++] = i; cols *= sh[i]; }
        if (cols == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN)) {
            throw new IllegalArgumentException(op.name().toLowerCase() + ": cannot reduce an empty dim of shape " + Shape.str(sh));
        }
        Tensor out = Tensor.empty(new int[] {rows}, x.dtype(), x.device());
        if ((op == ReduceOp.SUM || op == ReduceOp.MEAN) && x.dtype().isFloating() && x.isContiguous()
                && isPrefix(red) && rows > 1 && cols > 1) {
            // leading dims of a contiguous tensor (a bias gradient): a column sum, ones[1, cols] @ x[cols, rows]
            Tensor ones = Constants.row(cols, op == ReduceOp.MEAN ? 1.0 / cols : 1.0, x.dtype(), x.device());
            Tensor mat = Tensor.view(x.storage(), new int[] {1, cols, rows}, new int[] {0, rows, 1}, x.offset());
            x.backend().matmul(ones, mat, out.reshape(1, 1, rows));
        } else {
            Tensor flat;
            try (var ng = GradMode.noGrad()) {
                flat = x.permute(perm).contiguous().reshape(rows, cols);
            }
            x.backend().reduceRows(op, flat, out);
        }
        int[] kept = keptShape(sh, red, true);
        Tensor y = out.reshape(keepDim ? kept : keptShape(sh, red, false));
        Tensor yk = out.reshape(kept);
        final int count = cols;
        return y.detach().record(op.name().toLowerCase(), g -> new Tensor[] {reduceBackward(op, in, yk, g.reshape(kept), count)}, in);
    }

    private static Tensor reduceBackward(ReduceOp op, Tensor x, Tensor y, Tensor g, int count) {
        int[] sh = x.shape();
        return switch (op) {
            case SUM -> g.expand(sh).contiguous();
            case MEAN -> g.div(count).expand(sh).contiguous();
            case MAX, MIN -> {
                Tensor hit = x.eq(y).to(g.dtype());
                int[] over = broadcastDims(x, y);
                yield over.length == 0 ? g.mul(hit) : g.mul(hit).div(hit.sum(over, true));
            }
            case LOGSUMEXP -> g.mul(x.sub(y).exp());
            case NORM2 -> g.mul(Tensor.where(y.eq(0.0), Constants.of(0, x.dtype(), x.device()), x.div(y)));
            case PROD -> g.mul(y).div(x);
            case VAR -> throw new IllegalStateException("var is differentiated through its composition");
        };
    }

    /** The dims along which y (keepDim shape) was broadcast against x. */
    private static int[] broadcastDims(Tensor x, Tensor y) {
        int[] xs = x.shape(), ys = y.shape();
        int[] d = new int[xs.length];
        int n = 0;
        for (int i = 0; i < xs.length; i++) if (ys[i] == 1 && xs[i] != 1) d[n++] = i;
        return Arrays.copyOf(d, n);
    }

    /** True when the reduced dims are exactly the leading ones (and not all of them). */
    private static boolean isPrefix(boolean[] red) {
        int i = 0;
        while (i < red.length && red[i]) i++;
        for (int j = i; j < red.length; j++) if (red[j]) return false;
        return i > 0 && i < red.length;
    }

    static boolean[] reducedMask(String op, int rank, int[] dims) {
        boolean[] red = new boolean[rank];
        if (dims == null) {
            Arrays.fill(red, true);
            return red;
        }
        for (int d : dims) {
            int w = Shape.wrapDim(op, d, rank);
            if (rank == 0) continue;
            if (red[w]) throw new IllegalArgumentException(op + ": dim " + d + " given twice in " + Arrays.toString(dims));
            red[w] = true;
        }
        return red;
    }

    private static int[] keptShape(int[] sh, boolean[] red, boolean keepDim) {
        int[] out = new int[sh.length];
        int n = 0;
        for (int i = 0; i < sh.length; i++) {
            if (!red[i]) out[n++] = sh[i];
            else if (keepDim) out[n++] = 1;
        }
        return Arrays.copyOf(out, n);
    }

    static Tensor var(Tensor x, int[] dims, boolean keepDim, int correction) {
        boolean[] red = reducedMask("var", x.rank(), dims);
        int n = 1;
        int[] sh = x.shape();
        for (int i = 0; i < sh.length; i++) if (red[i]) n *= sh[i];
        Tensor mean = x.mean(dims == null ? allOf(x.rank()) : dims, true);
        Tensor sq = x.sub(mean).square();
        Tensor s = sq.sum(dims == null ? allOf(x.rank()) : dims, keepDim);
        return s.div(Math.max(0, n - correction));
    }

    private static int[] allOf(int rank) {
        int[] d = new int[rank];
        for (int i = 0; i < rank; i++) d[i] = i;
        return d;
    }

    /** Max or min along one dim with the index of the first extreme. */
    static ValuesIndices maxMin(boolean max, Tensor x, int dim, boolean keepDim) {
        String op = max ? "max" : "min";
        int r = x.rank();
        int d = Shape.wrapDim(op, dim, r);
        if (r == 0) return new ValuesIndices(x, Tensor.scalar(0, DType.I64, x.device()));
        int[] sh = x.shape();
        if (sh[d] == 0) throw new IllegalArgumentException(op + ": dim " + d + " of shape " + Shape.str(sh) + " is empty");
        Tensor moved;
        try (var ng = GradMode.noGrad()) {
            moved = x.transpose(d, r - 1).contiguous();
        }
        int cols = sh[d], rows = x.numel() / cols;
        Tensor flat = moved.reshape(rows, cols);
        Tensor idx = Tensor.empty(new int[] {rows}, DType.I64, x.device());
        x.backend().argReduceRows(max, flat, idx);
        int[] movedShape = moved.shape();
        movedShape[r - 1] = 1;
        Tensor idxK = idx.reshape(movedShape).transpose(d, r - 1).contiguous();
        Tensor vals;
        try (var ng = GradMode.noGrad()) {
            vals = x.gather(d, idxK);
        }
        vals = vals.record(op, g -> new Tensor[] {
            Tensor.zeros(sh, g.dtype(), g.device()).scatterAdd(d, idxK, g)
        }, x);
        return keepDim ? new ValuesIndices(vals, idxK) : new ValuesIndices(vals.squeeze(d), idxK.squeeze(d));
    }
}
