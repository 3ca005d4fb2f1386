package org.reformer4j.core;

/**
 * The seam between the tensor library and the hardware: every op of {@link Tensor} ends in one of
 * these kernel calls. Shapes, broadcasting, dtypes and autograd are settled before a call, so a backend
 * only moves and computes numbers. Outputs are freshly allocated contiguous tensors unless stated; inputs
 * may be any strided view (stride 0 for broadcast dims) unless stated "contiguous".
 *
 * <p>Backends are found by {@link java.util.ServiceLoader} through {@link BackendProvider}; the CPU one is
 * built in. Shape legend: R rows, C columns (the reduced / normalised / softmax axis is always the last).
 */
public interface Backend {
    /** "cpu", "cuda", ... */
    String name();

    // ---- memory ----------------------------------------------------------------------------------
    /** A storage of {@code length} elements; zero-filled when {@code zeroed}, else contents undefined. */
    Storage allocate(Device device, DType dtype, int length, boolean zeroed);

    /** Takes back a buffer whose storage was released by its scope. */
    void release(Storage storage, Object data);

    /** A storage holding a copy of a host array (float[], double[], int[], long[], boolean[]). */
    Storage fromHost(Device device, DType dtype, Object hostArray);

    /** Copies the elements of {@code src} (any strides, same shape) into a new host array of its dtype, row-major. */
    Object toHost(Tensor src);

    /** dst[...] = (dst dtype) src[...]; same shape, any strides on both sides; dst may not overlap src. */
    void copy(Tensor src, Tensor dst);

    /** Every element of dst (any strides) set to {@code value}. */
    void fill(Tensor dst, double value);

    // ---- elementwise -----------------------------------------------------------------------------
    /** out = op(a, p); a has out's shape. */
    void unary(UnaryOp op, double p, Tensor a, Tensor out);

    /**
     * out = min(max(a, lo), hi) (NaN stays NaN), a has out's shape: by default CLAMP_MIN then CLAMP_MAX in place
     * on out; a backend may do it in one pass (the same values).
     */
    default void clamp(Tensor a, double lo, double hi, Tensor out) {
        unary(UnaryOp.CLAMP_MIN, lo, a, out);
        unary(UnaryOp.CLAMP_MAX, hi, out, out);
    }

    /** out = op(a, b); a and b have out's shape (broadcast dims have stride 0). */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond ? a : b; all of out's shape. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    // ---- reductions ------------------------------------------------------------------------------
    /** a contiguous [R, C]; out [R] = op over each row. */
    void reduceRows(ReduceOp op, Tensor a, Tensor out);

    /** a contiguous [R, C]; out [R] (int64) = index of the first max (or min) of each row. */
    void argReduceRows(boolean max, Tensor a, Tensor out);

    // ---- linear algebra --------------------------------------------------------------------------
    /**
     * out[t] = a[t] @ b[t] for t in [0, batch): a is [batch, m, k], b [batch, k, n], out [batch, m, n]
     * contiguous. a and b may have any strides within a matrix and any single batch stride (0 included).
     */
    void matmul(Tensor a, Tensor b, Tensor out);

    // ---- fused row kernels -----------------------------------------------------------------------
    /** a contiguous [R, C]; out = softmax (or log_softmax) of each row. */
    void softmaxRows(Tensor a, Tensor out, boolean log);

    /** Given y = softmax(x) (or log_softmax) and dy, dx for each row; all contiguous [R, C]. */
    void softmaxRowsBackward(Tensor y, Tensor dy, Tensor dx, boolean log);

    /**
     * Layer norm of each row of contiguous x [R, C] with optional weight/bias [C]: out [R, C],
     * mean [R] and rstd [R] (saved for backward; float32 stats for float32 input).
     */
    void layerNormRows(Tensor x, Tensor weight, Tensor bias, double eps, Tensor out, Tensor mean, Tensor rstd);

    /** Backward of {@link #layerNormRows}: dx [R, C]; dWeight, dBias [C] when not null (overwritten). */
    void layerNormRowsBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                               Tensor dx, Tensor dWeight, Tensor dBias);

    /**
     * Cross entropy of each row of contiguous logits [R, C] against int64 target [R]: lse [R] =
     * logsumexp of the row, loss [R] = lse - logits[target] (0 where target == ignoreIndex). Targets are
     * range-checked.
     */
    void crossEntropyRows(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor loss);

    /**
     * dlogits [R, C] = scale[r] * (softmax(row) - onehot(target)), zero rows where target == ignoreIndex;
     * softmax from the saved lse. scale [R].
     */
    void crossEntropyRowsBackward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor scale, Tensor dlogits);

    // ---- indexing --------------------------------------------------------------------------------
    /** out[...i_d...] = src[... index[...] ...] along dim d; index has out's shape (torch.gather). */
    void gather(Tensor src, int dim, Tensor index, Tensor out);

    /** dst[... index[...] ...] += src[...] along dim (torch.scatter_add_); dst contiguous, updated in place. */
    void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src);

    /** out = src.index_select(dim, index); index 1-D int. */
    void indexSelect(Tensor src, int dim, Tensor index, Tensor out);

    /** dst.index_add_(dim, index, src); dst contiguous, updated in place. */
    void indexAdd(Tensor dst, int dim, Tensor index, Tensor src);

    /**
     * Stable sort of each row of contiguous a [R, C]: values [R, C] (a's dtype) and indices [R, C] (int64).
     * Only the first {@code k} of each row are written when k < C (top-k), values and indices then [R, k].
     */
    void sortRows(Tensor a, boolean descending, int k, Tensor values, Tensor indices);

    // ---- random ----------------------------------------------------------------------------------
    /**
     * Fills contiguous out with numbers from the Philox stream (seed, stream) starting at block
     * {@code counter}: uniform in [0, 1) or standard normal. The same key gives the same numbers on every
     * backend.
     */
    void random(Tensor out, boolean normal, long seed, long stream, long counter);

    /**
     * Dropout in one pass: for contiguous float32 x, writes mask[e] = keep where the float32 Philox uniform of
     * element e of (seed, stream) from block {@code counter} is {@code >= atLeast}, else 0, and y = x * mask (y and
     * mask fresh, x's shape). Returns false when this backend has no such kernel; dropout then runs as tensor ops.
     */
    default boolean dropout(Tensor x, Tensor y, Tensor mask, float atLeast, float keep, long seed, long stream, long counter) {
        return false;
    }

    // ---- optimizers ------------------------------------------------------------------------------
    /**
     * One Adam (L2 weight decay) or AdamW ({@code decoupled}) step in place, element by element in the order of
     * {@code torch.optim.Adam}'s single-tensor step (core's host loop): parameter p, gradient g, moments m and v,
     * and the AMSGrad maximum vmax (null without AMSGrad), all of p's shape, dtype and device; step counts from 1.
     * Returns false when this backend has no fused step for these tensors, and the optimizer then runs the same
     * formula as tensor ops (about ten launches per parameter on an accelerator instead of one).
     */
    default boolean adamStep(Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax, double lr, double beta1, double beta2,
            double eps, double weightDecay, boolean decoupled, boolean maximize, long step) {
        return false;
    }

    /**
     * {@link #adamStep} on several parameters at once (torch's multi-tensor Adam), all at the same step count:
     * tensors {@code p[i], g[i], m[i], v[i]} and {@code vmax[i]} (vmax null without AMSGrad) as adamStep takes them,
     * the same results as one adamStep per parameter, in fewer launches. Returns false, having changed nothing,
     * when this backend has no such step for every one of these tensors; the optimizer then steps them one by one.
     */
    default boolean adamSteps(Tensor[] p, Tensor[] g, Tensor[] m, Tensor[] v, Tensor[] vmax, double lr, double beta1, double beta2,
            double eps, double weightDecay, boolean decoupled, boolean maximize, long step) {
        return false;
    }
}
