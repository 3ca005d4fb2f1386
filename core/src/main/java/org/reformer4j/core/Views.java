package org.reformer4j.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shape ops: views that share storage (reshape when strides allow, permute, expand, narrow, select,
 * (un)squeeze, split) and the copying joins cat and stack. Each records its backward: the inverse view,
 * a sum over expanded dims, or a zero-padded scatter of the narrowed gradient.
 */
final class Views {
    private Views() {}

    static Tensor reshape(Tensor x, int[] newShape) {
        int[] shape = inferShape(x, newShape);
        int[] strides = viewStrides(x.shape(), x.strides(), shape);
        Tensor src = x;
        Tensor out;
        if (strides != null) {
            out = new Tensor(x.storage(), shape, strides, x.offset());
        } else {
            Tensor c = x.detach().clone();
            out = new Tensor(c.storage(), shape, Shape.contiguousStrides(shape), 0);
        }
        int[] old = x.shape();
        return out.record("reshape", g -> new Tensor[] {g.reshape(old)}, src);
    }

    private static int[] inferShape(Tensor x, int[] newShape) {
        int n = x.numel();
        int[] shape = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one -1 allowed in " + Shape.str(newShape));
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Shape.str(newShape));
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " into " + Shape.str(newShape));
            }
            shape[infer] = (int) (n / known);
        } else if (known != n) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " (" + n
                    + " elements) into " + Shape.str(newShape) + " (" + known + " elements)");
        }
        return shape;
    }

    /** Strides that view the old layout with the new shape without copying, or null (torch's computeStride). */
    private static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int n = Shape.numel(oldShape);
        if (n == 0) return Shape.contiguousStrides(newShape);
        int[] ns = new int[newShape.length];
        int viewD = newShape.length - 1;
        long chunkBase = oldStrides.length == 0 ? 1 : oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int td = oldShape.length - 1; td >= 0; td--) {
            tensorNumel *= oldShape[td];
            if (td == 0 || (oldShape[td - 1] != 1 && oldStrides[td - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    ns[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (td > 0) {
                    chunkBase = oldStrides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            while (viewD >= 0) ns[viewD--] = 1;
        }
        return ns;
    }

    static Tensor flatten(Tensor x, int startDim, int endDim) {
        int r = x.rank();
        if (r == 0) return x.reshape(1);
        int s = Shape.wrapDim("flatten", startDim, r), e = Shape.wrapDim("flatten", endDim, r);
        if (s > e) throw new IllegalArgumentException("flatten: start dim " + startDim + " after end dim " + endDim);
        int[] sh = x.shape();
        int[] ns = new int[r - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) ns[k++] = sh[i];
        int p = 1;
        for (int i = s; i <= e; i++) p *= sh[i];
        ns[k++] = p;
        for (int i = e + 1; i < r; i++) ns[k++] = sh[i];
        return reshape(x, ns);
    }

    static Tensor permute(Tensor x, int[] dims) {
        int r = x.rank();
        if (dims.length != r) {
            throw new IllegalArgumentException("permute: " + dims.length + " dims given for a tensor of rank " + r);
        }
        int[] sh = x.shape(), st = x.strides();
        int[] ns = new int[r], nst = new int[r], inv = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shape.wrapDim("permute", dims[i], r);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + d + " repeated in " + Arrays.toString(dims));
            seen[d] = true;
            ns[i] = sh[d];
            nst[i] = st[d];
            inv[d] = i;
        }
        Tensor out = new Tensor(x.storage(), ns, nst, x.offset());
        return out.record("permute", g -> new Tensor[] {g.permute(inv)}, x);
    }

    static Tensor transpose(Tensor x, int d0, int d1) {
        int r = x.rank();
        int a = Shape.wrapDim("transpose", d0, r), b = Shape.wrapDim("transpose", d1, r);
        int[] p = new int[r];
        for (int i = 0; i < r; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(x, p);
    }

    static Tensor expand(Tensor x, int[] newShape) {
        int[] sh = x.shape(), st = x.strides();
        if (Arrays.equals(sh, newShape)) return x;
        int r = newShape.length, lead = r - sh.length;
        if (lead < 0) {
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(sh) + " to fewer dims " + Shape.str(newShape));
        }
        int[] ns = new int[r], nst = new int[r];
        for (int i = 0; i < r; i++) {
            int want = newShape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 not allowed for a new leading dim in " + Shape.str(newShape));
                ns[i] = want;
                nst[i] = 0;
            } else {
                int have = sh[i - lead];
                if (want == -1 || want == have) {
                    ns[i] = have;
                    nst[i] = st[i - lead];
                } else if (have == 1) {
                    ns[i] = want;
                    nst[i] = 0;
                } else {
                    throw new IllegalArgumentException("expand: shape " + Shape.str(sh) + " cannot be expanded to "
                            + Shape.str(newShape) + " (dim " + i + ": " + have + " -> " + want + ")");
                }
            }
        }
        Tensor out = new Tensor(x.storage(), ns, nst, x.offset());
        return out.record("expand", g -> new Tensor[] {Elementwise.sumToShape(g, sh)}, x);
    }

    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.wrapDim("narrow", dim, x.rank());
        int n = x.shape()[d];
        if (start < 0 || length < 0 || start + length > n) {
            throw new IndexOutOfBoundsException("narrow: range [" + start + ", " + (start + length) + ") is outside dim "
                    + d + " of size " + n + " (shape " + Shape.str(x.shape()) + ")");
        }
        return slice(x, d, start, start + length, 1);
    }

    static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shape.wrapDim("slice", dim, x.rank());
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int n = x.shape()[d];
        int s = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        int e = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        int len = e <= s ? 0 : (e - s + step - 1) / step;
        int[] sh = x.shape(), st = x.strides();
        int off = x.offset() + (len > 0 ? s * st[d] : 0);
        sh[d] = len;
        st[d] = st[d] * step;
        Tensor out = new Tensor(x.storage(), sh, st, off);
        int[] full = x.shape();
        return out.record("slice", g -> {
            Tensor z = Tensor.zeros(full, g.dtype(), g.device());
            z.slice(d, s, e, step).copyFrom(g);
            return new Tensor[] {z};
        }, x);
    }

    static Tensor select(Tensor x, int dim, int i) {
        int d = Shape.wrapDim("select", dim, x.rank());
        int n = x.shape()[d];
        if (i < -n || i >= n) {
            throw new IndexOutOfBoundsException("select: index " + i + " is out of range for dim " + d + " of size " + n);
        }
        int idx = i < 0 ? i + n : i;
        return narrow(x, d, idx, 1).squeeze(d);
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int r = x.rank();
        int d = Shape.wrapDim("unsqueeze", dim, r + 1);
        int[] sh = x.shape(), st = x.strides();
        int[] ns = new int[r + 1], nst = new int[r + 1];
        for (int i = 0, k = 0; i <= r; i++) {
            if (i == d) {
                ns[i] = 1;
                nst[i] = d < r ? sh[d] * st[d] : 1;
            } else {
                ns[i] = sh[k];
                nst[i] = st[k++];
            }
        }
        Tensor out = new Tensor(x.storage(), ns, nst, x.offset());
        return out.record("unsqueeze", g -> new Tensor[] {g.squeeze(d)}, x);
    }

    static Tensor squeeze(Tensor x, int dim) {
        if (x.rank() == 0) return x;
        int d = Shape.wrapDim("squeeze", dim, x.rank());
        int[] sh = x.shape(), st = x.strides();
        if (sh[d] != 1) return x;
        int[] ns = new int[sh.length - 1], nst = new int[sh.length - 1];
        for (int i = 0, k = 0; i < sh.length; i++) {
            if (i == d) continue;
            ns[k] = sh[i];
            nst[k++] = st[i];
        }
        Tensor out = new Tensor(x.storage(), ns, nst, x.offset());
        return out.record("squeeze", g -> new Tensor[] {g.unsqueeze(d)}, x);
    }

    static Tensor squeezeAll(Tensor x) {
        int[] sh = x.shape();
        int n = 0;
        for (int s : sh) if (s != 1) n++;
        int[] ns = new int[n];
        int k = 0;
        for (int s : sh) if (s != 1) ns[k++] = s;
        return reshape(x, ns);
    }

    static List<Tensor> split(Tensor x, int size, int dim) {
        int d = Shape.wrapDim("split", dim, x.rank());
        if (size <= 0) throw new IllegalArgumentException("split: size must be positive, got " + size);
        int n = x.shape()[d];
        List<Tensor> out = new ArrayList<>();
        for (int s = 0; s < n; s += size) out.add(narrow(x, d, s, Math.min(size, n - s)));
        if (n == 0) out.add(x);
        return out;
    }

    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int n = x.shape()[Shape.wrapDim("chunk", dim, x.rank())];
        return split(x, Math.max(1, Math.ceilDiv(n, chunks)), dim);
    }

    static Tensor cat(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("cat: no tensors given");
        Tensor first = ts.get(0);
        int r = first.rank();
        int d = Shape.wrapDim("cat", dim, r);
        DType dt = first.dtype();
        for (Tensor t : ts) dt = DType.promote(dt, t.dtype());
        int total = 0;
        int[] ref = first.shape();
        for (int i = 0; i < ts.size(); i++) {
            int[] sh = ts.get(i).shape();
            boolean ok = sh.length == r;
            for (int k = 0; ok && k < r; k++) ok = k == d || sh[k] == ref[k];
            if (!ok) {
                throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shape.str(sh)
                        + ", incompatible with " + Shape.str(ref) + " along dim " + d);
            }
            if (!ts.get(i).device().equals(first.device())) {
                throw new IllegalArgumentException("cat: tensor " + i + " is on " + ts.get(i).device() + ", the first on " + first.device());
            }
            total += sh[d];
        }
        int[] os = ref.clone();
        os[d] = total;
        Tensor out = Tensor.empty(os, dt, first.device());
        int[] starts = new int[ts.size()];
        int at = 0;
        for (int i = 0; i < ts.size(); i++) {
            Tensor t = ts.get(i);
            starts[i] = at;
            int len = t.shape()[d];
            if (len > 0) out.backend().copy(t, new Tensor(out.storage(), t.shape(), out.strides(), out.offset() + at * out.strides()[d]));
            at += len;
        }
        Tensor[] ins = ts.toArray(new Tensor[0]);
        // the gradient needs each input's length and dtype along d, not its values: keep no input alive for it
        int[] lens = new int[ins.length];
        DType[] dts = new DType[ins.length];
        Tensor[] leaves = new Tensor[ins.length];
        for (int i = 0; i < ins.length; i++) {
            lens[i] = ins[i].shape()[d];
            dts[i] = ins[i].dtype();
            if (ins[i].gradFn() == null) leaves[i] = ins[i];
        }
        return out.record("cat", g -> {
            Tensor[] gs = new Tensor[lens.length];
            for (int i = 0; i < lens.length; i++) {
                if (leaves[i] == null || leaves[i].requiresGrad()) gs[i] = g.narrow(d, starts[i], lens[i]).to(dts[i]);
            }
            return gs;
        }, ins);
    }

    static Tensor stack(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("stack: no tensors given");
        int d = Shape.wrapDim("stack", dim, ts.get(0).rank() + 1);
        int[] ref = ts.get(0).shape();
        List<Tensor> us = new ArrayList<>(ts.size());
        for (int i = 0; i < ts.size(); i++) {
            if (!Arrays.equals(ts.get(i).shape(), ref)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.str(ts.get(i).shape())
                        + ", expected " + Shape.str(ref));
            }
            us.add(ts.get(i).unsqueeze(d));
        }
        return cat(us, d);
    }
}
