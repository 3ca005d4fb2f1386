package org.reformer4j.core;

import java.util.Arrays;
import java.util.List;
import org.reformer4j.core.autograd.Engine;
import org.reformer4j.core.autograd.Node;

/**
 * An n-dimensional strided view (shape, strides, offset, dtype) over a {@link Storage} on one device,
 * with reverse-mode autograd (define-by-run, like PyTorch). Views share storage; ops return new tensors.
 * The methods here only check arguments and delegate: each op family lives in its own class (
 * {@link Elementwise}, {@link Reductions}, {@link Views}, {@link LinearAlgebra}, {@link Indexing},
 * {@link Functional}) with its backward right below its forward, and every op ends in a {@link Backend} call.
 * Masks are bool tensors where true means keep / attend.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ---- creation ---------------------------------------------------------------------------------

    /** A new contiguous tensor with undefined contents (for op outputs that are fully written). */
    public static Tensor empty(int[] shape, DType dtype, Device device) {
        return allocate(shape, dtype, device, false);
    }

    public static Tensor zeros(int... shape) {
        return zeros(shape, DType.F32, Device.CPU);
    }

    public static Tensor zeros(int[] shape, DType dtype, Device device) {
        return allocate(shape, dtype, device, true);
    }

    public static Tensor ones(int... shape) {
        return full(shape, 1.0, DType.F32, Device.CPU);
    }

    public static Tensor full(int[] shape, double value, DType dtype, Device device) {
        Tensor t = allocate(shape, dtype, device, false);
        t.backend().fill(t, value);
        return t;
    }

    /** A 0-d tensor. */
    public static Tensor scalar(double value, DType dtype, Device device) {
        return full(new int[0], value, dtype, device);
    }

    public static Tensor scalar(double value) {
        return scalar(value, DType.F32, Device.CPU);
    }

    /** [start, start+step, ...) below end, int64 for integral arguments as torch.arange. */
    public static Tensor arange(long start, long end, long step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be non-zero");
        int n = (int) Math.max(0, Math.ceilDiv(end - start, step));
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = start + i * step;
        return of(v, n);
    }

    public static Tensor arange(long end) {
        return arange(0, end, 1);
    }

    /** Float arange: start, start+step, ... below end, in the given floating dtype. */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be non-zero");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = start + i * step;
        return of(v, n).to(dtype);
    }

    public static Tensor of(float[] data, int... shape) {
        return fromHost(DType.F32, data, data.length, shape);
    }

    public static Tensor of(double[] data, int... shape) {
        return fromHost(DType.F64, data, data.length, shape);
    }

    public static Tensor of(long[] data, int... shape) {
        return fromHost(DType.I64, data, data.length, shape);
    }

    public static Tensor of(int[] data, int... shape) {
        return fromHost(DType.I32, data, data.length, shape);
    }

    public static Tensor of(boolean[] data, int... shape) {
        return fromHost(DType.BOOL, data, data.length, shape);
    }

    private static Tensor fromHost(DType dtype, Object data, int length, int[] shape) {
        int n = Shape.numel(shape);
        if (n != length) {
            throw new IllegalArgumentException("of: " + length + " values cannot fill shape " + Shape.str(shape)
                    + " (" + n + " elements)");
        }
        Storage s = Backends.cpu().fromHost(Device.CPU, dtype, data.getClass().cast(data));
        Scope.track(s);
        return new Tensor(s, shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    static Tensor allocate(int[] shape, DType dtype, Device device, boolean zeroed) {
        int n = Shape.numel(shape);
        Storage s = Backends.of(device).allocate(device, dtype, n, zeroed);
        Scope.track(s);
        return new Tensor(s, shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** A view over {@code storage} (for backends and op implementations outside this package). */
    public static Tensor view(Storage storage, int[] shape, int[] strides, int offset) {
        return new Tensor(storage, shape.clone(), strides.clone(), offset);
    }

    /** Standard normal numbers from the Philox stream (seed, stream), starting at block {@code counter}. */
    public static Tensor randn(int[] shape, long seed, long stream, long counter, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        t.backend().random(t, true, seed, stream, counter);
        return t;
    }

    /** Uniform numbers in [0, 1) from the Philox stream (seed, stream), starting at block {@code counter}. */
    public static Tensor rand(int[] shape, long seed, long stream, long counter, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        t.backend().random(t, false, seed, stream, counter);
        return t;
    }

    // ---- metadata ---------------------------------------------------------------------------------

    public int[] shape() {
        return shape.clone();
    }

    /** Size of dim {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[Shape.wrapDim("size", d, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return storage.device();
    }

    public Storage storage() {
        return storage;
    }

    Backend backend() {
        return Backends.of(storage.device());
    }

    /** Row-major contiguous (size-1 dims may have any stride). */
    public boolean isContiguous() {
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** Contiguous and starting at offset 0 of a storage of exactly numel elements. */
    boolean isDense() {
        return offset == 0 && isContiguous() && storage.length() == numel();
    }

    // ---- host access ------------------------------------------------------------------------------

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: tensor of shape " + Shape.str(shape) + " has " + numel() + " elements, not 1");
        }
        return toDoubleArray()[0];
    }

    /** The elements in row-major order, converted to float. */
    public float[] toFloatArray() {
        return (float[]) to(DType.F32).hostArray();
    }

    public double[] toDoubleArray() {
        return (double[]) to(DType.F64).hostArray();
    }

    public long[] toLongArray() {
        return (long[]) to(DType.I64).hostArray();
    }

    public int[] toIntArray() {
        return (int[]) to(DType.I32).hostArray();
    }

    public boolean[] toBoolArray() {
        return (boolean[]) to(DType.BOOL).hostArray();
    }

    private Object hostArray() {
        return backend().toHost(this);
    }

    /** The element at a full index, as a double. */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        }
        Tensor t = this;
        for (int d = index.length - 1; d >= 0; d--) t = t.select(d, index[d]);
        return t.item();
    }

    // ---- autograd ---------------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as one whose gradient is wanted; returns this. */
    public Tensor requiresGrad(boolean on) {
        if (gradFn != null && !on) {
            throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor (made by " + gradFn + "); use detach()");
        }
        if (on && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only floating tensors can require grad, this one is " + dtype());
        }
        requiresGrad = on;
        return this;
    }

    /** Accumulated gradient of a leaf after {@link #backward()}, or null. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        grad = g;
    }

    public void zeroGrad() {
        grad = null;
    }

    public Node gradFn() {
        return gradFn;
    }

    /** Attaches the node that produced this tensor (op implementations only); makes it require grad. */
    public void setGradFn(Node node) {
        gradFn = node;
        requiresGrad = true;
    }

    /** Adds {@code g} into {@link #grad()}; the gradient lives outside any open scope. */
    public void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = Scope.detached(() -> g.to(dtype()).clone());
        } else {
            grad.addInPlace(g, 1.0);
        }
    }

    /** d(this)/d(leaves) for a scalar tensor. */
    public void backward() {
        Engine.backward(this, null);
    }

    /** Backpropagates {@code gradOutput} (same shape as this). */
    public void backward(Tensor gradOutput) {
        Engine.backward(this, gradOutput);
    }

    /**
     * Backpropagates {@code gradOutput} (null for a scalar: 1); with {@code retainGraph} the graph keeps its saved
     * tensors for another backward (by default each node frees them once its backward has run).
     */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        Engine.backward(this, gradOutput, retainGraph);
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    /** Records {@code node} as this result's producer when grad mode is on and an input requires grad. */
    Tensor record(String name, java.util.function.Function<Tensor, Tensor[]> backward, Tensor... inputs) {
        if (!GradMode.isEnabled()) return this;
        boolean any = false;
        for (Tensor t : inputs) any |= t != null && t.requiresGrad;
        if (any) setGradFn(Node.of(name, backward, inputs));
        return this;
    }

    // ---- copies, types, in-place ------------------------------------------------------------------

    /** A contiguous copy (differentiable). */
    public Tensor clone() {
        Tensor out = empty(shape, dtype(), device());
        backend().copy(this, out);
        return out.record("clone", g -> new Tensor[] {g}, this);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : clone();
    }

    /** Converted to {@code dtype} (this tensor when it already is); differentiable between floating types. */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = empty(shape, dtype, device());
        backend().copy(this, out);
        if (dtype.isFloating() && dtype().isFloating()) {
            DType from = dtype();
            out.record("to", g -> new Tensor[] {g.to(from)}, this);
        }
        return out;
    }

    /** Moved to {@code device} (a copy through the host when the devices differ). */
    public Tensor to(Device device) {
        if (device.equals(device())) return this;
        Object host = hostArray();
        Storage s = Backends.of(device).fromHost(device, dtype(), host);
        Scope.track(s);
        Tensor out = new Tensor(s, shape.clone(), Shape.contiguousStrides(shape), 0);
        Device from = device();
        return out.record("to", g -> new Tensor[] {g.to(from)}, this);
    }

    /** this += alpha * other (broadcast to this shape); not recorded by autograd. */
    public Tensor addInPlace(Tensor other, double alpha) {
        Tensor o = alpha == 1.0 ? other : other.mul(alpha);
        try (var ng = GradMode.noGrad()) {
            backend().binary(BinaryOp.ADD, this, o.to(dtype()).expand(shape), this);
        }
        return this;
    }

    /** this *= s; not recorded by autograd. */
    public Tensor mulInPlace(double s) {
        backend().unary(UnaryOp.MUL_SCALAR, s, this, this);
        return this;
    }

    /**
     * Copies {@code src} (broadcast to this shape, converted to this dtype, moved to this device) into this;
     * not recorded.
     */
    public Tensor copyFrom(Tensor src) {
        Tensor s = src.device().equals(device()) ? src : src.detach().to(device());
        backend().copy(s.expand(shape), this);
        return this;
    }

    /** Sets every element to {@code value}; not recorded. */
    public Tensor fill(double value) {
        backend().fill(this, value);
        return this;
    }

    // ---- views ------------------------------------------------------------------------------------

    public Tensor reshape(int... newShape) {
        return Views.reshape(this, newShape);
    }

    /** Same as {@link #reshape}: a view when the strides allow it, else a copy. */
    public Tensor view(int... newShape) {
        return Views.reshape(this, newShape);
    }

    public Tensor flatten(int startDim, int endDim) {
        return Views.flatten(this, startDim, endDim);
    }

    public Tensor permute(int... dims) {
        return Views.permute(this, dims);
    }

    public Tensor transpose(int d0, int d1) {
        return Views.transpose(this, d0, d1);
    }

    /** Transpose of a 2-D tensor. */
    public Tensor t() {
        if (rank() != 2) throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Shape.str(shape));
        return transpose(0, 1);
    }

    /** Broadcast view to {@code newShape} (size-1 dims stretch with stride 0; -1 keeps a dim). */
    public Tensor expand(int... newShape) {
        return Views.expand(this, newShape);
    }

    /** Elements [start, start+length) of dim {@code dim}, as a view. */
    public Tensor narrow(int dim, int start, int length) {
        return Views.narrow(this, dim, start, length);
    }

    /** Python-style slice [start:end:step] of one dim (negative start/end count from the end). */
    public Tensor slice(int dim, int start, int end, int step) {
        return Views.slice(this, dim, start, end, step);
    }

    /** Index {@code i} of dim {@code dim}, removing that dim. */
    public Tensor select(int dim, int i) {
        return Views.select(this, dim, i);
    }

    public Tensor unsqueeze(int dim) {
        return Views.unsqueeze(this, dim);
    }

    public Tensor squeeze(int dim) {
        return Views.squeeze(this, dim);
    }

    /** Removes every size-1 dim. */
    public Tensor squeeze() {
        return Views.squeezeAll(this);
    }

    /** Pieces of {@code size} along {@code dim} (the last may be shorter), as views. */
    public List<Tensor> split(int size, int dim) {
        return Views.split(this, size, dim);
    }

    /** {@code chunks} pieces of ceil(n/chunks) along {@code dim} (torch.chunk), as views. */
    public List<Tensor> chunk(int chunks, int dim) {
        return Views.chunk(this, chunks, dim);
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return Views.cat(tensors, dim);
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return Views.stack(tensors, dim);
    }

    // ---- elementwise ------------------------------------------------------------------------------

    public Tensor add(Tensor o) {
        return Elementwise.binary(BinaryOp.ADD, this, o);
    }

    public Tensor add(double s) {
        return Elementwise.unary(UnaryOp.ADD_SCALAR, s, this);
    }

    public Tensor sub(Tensor o) {
        return Elementwise.binary(BinaryOp.SUB, this, o);
    }

    public Tensor sub(double s) {
        return Elementwise.unary(UnaryOp.ADD_SCALAR, -s, this);
    }

    /** s - this. */
    public Tensor rsub(double s) {
        return Elementwise.unary(UnaryOp.RSUB_SCALAR, s, this);
    }

    public Tensor mul(Tensor o) {
        return Elementwise.binary(BinaryOp.MUL, this, o);
    }

    public Tensor mul(double s) {
        return Elementwise.unary(UnaryOp.MUL_SCALAR, s, this);
    }

    public Tensor div(Tensor o) {
        return Elementwise.binary(BinaryOp.DIV, this, o);
    }

    public Tensor div(double s) {
        return Elementwise.unary(UnaryOp.MUL_SCALAR, 1.0 / s, this);
    }

    public Tensor pow(Tensor o) {
        return Elementwise.binary(BinaryOp.POW, this, o);
    }

    public Tensor pow(double p) {
        return Elementwise.unary(UnaryOp.POW_SCALAR, p, this);
    }

    public Tensor maximum(Tensor o) {
        return Elementwise.binary(BinaryOp.MAXIMUM, this, o);
    }

    public Tensor minimum(Tensor o) {
        return Elementwise.binary(BinaryOp.MINIMUM, this, o);
    }

    public Tensor neg() {
        return Elementwise.unary(UnaryOp.NEG, 0, this);
    }

    public Tensor exp() {
        return Elementwise.unary(UnaryOp.EXP, 0, this);
    }

    public Tensor log() {
        return Elementwise.unary(UnaryOp.LOG, 0, this);
    }

    public Tensor sqrt() {
        return Elementwise.unary(UnaryOp.SQRT, 0, this);
    }

    public Tensor rsqrt() {
        return Elementwise.unary(UnaryOp.RSQRT, 0, this);
    }

    public Tensor abs() {
        return Elementwise.unary(UnaryOp.ABS, 0, this);
    }

    public Tensor square() {
        return Elementwise.unary(UnaryOp.SQUARE, 0, this);
    }

    public Tensor reciprocal() {
        return Elementwise.unary(UnaryOp.RECIPROCAL, 0, this);
    }

    public Tensor sin() {
        return Elementwise.unary(UnaryOp.SIN, 0, this);
    }

    public Tensor cos() {
        return Elementwise.unary(UnaryOp.COS, 0, this);
    }

    public Tensor tanh() {
        return Elementwise.unary(UnaryOp.TANH, 0, this);
    }

    public Tensor sigmoid() {
        return Elementwise.unary(UnaryOp.SIGMOID, 0, this);
    }

    public Tensor relu() {
        return Elementwise.unary(UnaryOp.RELU, 0, this);
    }

    /** GELU, exact erf form: x/2 (1 + erf(x / sqrt 2)). */
    public Tensor gelu() {
        return Elementwise.unary(UnaryOp.GELU, 0, this);
    }

    /** GELU, tanh approximation. */
    public Tensor geluTanh() {
        return Elementwise.unary(UnaryOp.GELU_TANH, 0, this);
    }

    public Tensor leakyRelu(double slope) {
        return Elementwise.unary(UnaryOp.LEAKY_RELU, slope, this);
    }

    /** Clamped to [min, max]; pass NaN to leave a side open. */
    public Tensor clamp(double min, double max) {
        if (!Double.isNaN(min) && !Double.isNaN(max)) return Elementwise.clamp(this, min, max);
        Tensor t = this;
        if (!Double.isNaN(min)) t = Elementwise.unary(UnaryOp.CLAMP_MIN, min, t);
        if (!Double.isNaN(max)) t = Elementwise.unary(UnaryOp.CLAMP_MAX, max, t);
        return t;
    }

    /** cond ? a : b, broadcast (cond is bool). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Elementwise.where(cond, a, b);
    }

    /** Elements where {@code mask} is true replaced by {@code value} (torch.masked_fill). */
    public Tensor maskedFill(Tensor mask, double value) {
        return Elementwise.maskedFill(this, mask, value);
    }

    public Tensor eq(Tensor o) {
        return Elementwise.compare(BinaryOp.EQ, this, o);
    }

    public Tensor ne(Tensor o) {
        return Elementwise.compare(BinaryOp.NE, this, o);
    }

    public Tensor lt(Tensor o) {
        return Elementwise.compare(BinaryOp.LT, this, o);
    }

    public Tensor le(Tensor o) {
        return Elementwise.compare(BinaryOp.LE, this, o);
    }

    public Tensor gt(Tensor o) {
        return Elementwise.compare(BinaryOp.GT, this, o);
    }

    public Tensor ge(Tensor o) {
        return Elementwise.compare(BinaryOp.GE, this, o);
    }

    public Tensor eq(double s) {
        return eq(scalarLike(s));
    }

    public Tensor ne(double s) {
        return ne(scalarLike(s));
    }

    public Tensor lt(double s) {
        return lt(scalarLike(s));
    }

    public Tensor le(double s) {
        return le(scalarLike(s));
    }

    public Tensor gt(double s) {
        return gt(scalarLike(s));
    }

    public Tensor ge(double s) {
        return ge(scalarLike(s));
    }

    public Tensor logicalAnd(Tensor o) {
        return Elementwise.compare(BinaryOp.AND, this, o);
    }

    public Tensor logicalOr(Tensor o) {
        return Elementwise.compare(BinaryOp.OR, this, o);
    }

    public Tensor logicalNot() {
        return Elementwise.logicalNot(this);
    }

    Tensor scalarLike(double s) {
        return Constants.of(s, dtype() == DType.BOOL ? DType.F32 : dtype(), device());
    }

    // ---- reductions -------------------------------------------------------------------------------

    /** Sum of all elements (0-d). */
    public Tensor sum() {
        return Reductions.reduce(ReduceOp.SUM, this, null, false);
    }

    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.reduce(ReduceOp.SUM, this, new int[] {dim}, keepDim);
    }

    public Tensor sum(int[] dims, boolean keepDim) {
        return Reductions.reduce(ReduceOp.SUM, this, dims, keepDim);
    }

    public Tensor mean() {
        return Reductions.reduce(ReduceOp.MEAN, this, null, false);
    }

    public Tensor mean(int dim, boolean keepDim) {
        return Reductions.reduce(ReduceOp.MEAN, this, new int[] {dim}, keepDim);
    }

    public Tensor mean(int[] dims, boolean keepDim) {
        return Reductions.reduce(ReduceOp.MEAN, this, dims, keepDim);
    }

    /** Largest element (0-d). */
    public Tensor max() {
        return Reductions.reduce(ReduceOp.MAX, this, null, false);
    }

    public Tensor min() {
        return Reductions.reduce(ReduceOp.MIN, this, null, false);
    }

    /** Max along {@code dim} with the index of the first maximum (torch.max(dim)). */
    public ValuesIndices max(int dim, boolean keepDim) {
        return Reductions.maxMin(true, this, dim, keepDim);
    }

    public ValuesIndices min(int dim, boolean keepDim) {
        return Reductions.maxMin(false, this, dim, keepDim);
    }

    /** Index (int64) of the first maximum along {@code dim}. */
    public Tensor argmax(int dim, boolean keepDim) {
        return Reductions.maxMin(true, this, dim, keepDim).indices();
    }

    public Tensor argmin(int dim, boolean keepDim) {
        return Reductions.maxMin(false, this, dim, keepDim).indices();
    }

    /** Variance over {@code dims} with Bessel-style {@code correction} (torch default 1). */
    public Tensor var(int[] dims, boolean keepDim, int correction) {
        return Reductions.var(this, dims, keepDim, correction);
    }

    public Tensor logsumexp(int dim, boolean keepDim) {
        return Reductions.reduce(ReduceOp.LOGSUMEXP, this, new int[] {dim}, keepDim);
    }

    public Tensor logsumexp(int[] dims, boolean keepDim) {
        return Reductions.reduce(ReduceOp.LOGSUMEXP, this, dims, keepDim);
    }

    /** L2 norm over {@code dims}. */
    public Tensor norm(int[] dims, boolean keepDim) {
        return Reductions.reduce(ReduceOp.NORM2, this, dims, keepDim);
    }

    /** L2 norm of all elements. */
    public Tensor norm() {
        return Reductions.reduce(ReduceOp.NORM2, this, null, false);
    }

    public Tensor softmax(int dim) {
        return Functional.softmax(this, dim, false);
    }

    public Tensor logSoftmax(int dim) {
        return Functional.softmax(this, dim, true);
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    /** Matrix product with torch.matmul's rules (1-D, 2-D, batched with broadcast batch dims). */
    public Tensor matmul(Tensor o) {
        return LinearAlgebra.matmul(this, o);
    }

    // ---- indexing ---------------------------------------------------------------------------------

    public Tensor gather(int dim, Tensor index) {
        return Indexing.gather(this, dim, index);
    }

    /** A copy of this with src added at {@code index} along {@code dim} (torch.scatter_add). */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Indexing.scatterAdd(this, dim, index, src);
    }

    public Tensor indexSelect(int dim, Tensor index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /** Rows of {@code weight} [V, E] for integer {@code ids} of any shape: [..., E]. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        return Indexing.embedding(weight, ids);
    }

    /** Stable sort along {@code dim}; values and int64 indices. */
    public ValuesIndices sort(int dim, boolean descending) {
        return Indexing.sort(this, dim, descending);
    }

    public Tensor argsort(int dim, boolean descending) {
        return Indexing.sort(this, dim, descending).indices();
    }

    /** The k largest (or smallest) along {@code dim}, sorted, ties to the lower index. */
    public ValuesIndices topk(int k, int dim, boolean largest) {
        return Indexing.topk(this, k, dim, largest);
    }

    /** One-hot encoding of integer ids as int64 [..., numClasses]. */
    public Tensor oneHot(int numClasses) {
        return Indexing.oneHot(this, numClasses);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype()).append(Shape.str(shape));
        if (!device().isCpu()) sb.append(", ").append(device());
        if (gradFn != null) sb.append(", grad_fn=").append(gradFn);
        else if (requiresGrad) sb.append(", requires_grad");
        if (numel() <= 16) sb.append(", ").append(Arrays.toString(toDoubleArray()));
        return sb.append(')').toString();
    }
}
