package org.reformer4j.model.attention;

import java.lang.ref.Cleaner;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.reformer.LshAttentionCall;
import org.reformer4j.kernels.reformer.LshConfig;
import org.reformer4j.kernels.reformer.LshHash;

/**
 * {@link LshAttention} on a CUDA device (the GPU, or the emulator in tests) as one differentiable op over
 * (qk, v) [N, L, dh] -> out [N, T, dh] (reformer-pytorch {@code LSHAttention.forward}, R:265-439): lsh_hash.cu
 * (or the given buckets of the first run, which the reversible backward replays), lsh_sort.cu and
 * lsh_attention_forward.cu through {@link LshAttentionCall}; backward is lsh_attention_backward.cu. Every
 * operand stays on the device: no host copy in forward or backward. float32 only. Attention dropout takes its
 * multipliers from the caller (drop [N, H*L*2bs] float32: 0 or 1/(1-rate) per score, in the CPU path's order, so
 * both paths drop the same weights). Masks mean true = keep: mask [N, L] bool, rotary sin/cos [T, dh/2].
 */
public final class DeviceLshAttention extends Function {
    private static final Cleaner CLEANER = Cleaner.create();
    /** lsh_hash.cu and lsh_sort.cu versions used (the ones {@link LshAttentionCall} picks). */
    private static final int HASH_VERSION = 3;

    /** The output and the buckets [N, H*L] (int32, on the device) that produced it. */
    public record Result(Tensor out, Tensor buckets) {}

    private final LshConfig cfg;
    private final CudaRuntime rt;
    private final Tensor buckets, mask, sin, cos, drop;
    private final boolean keepForBackward;

    private DeviceLshAttention(LshConfig cfg, CudaRuntime rt, Tensor buckets, Tensor mask, Tensor sin, Tensor cos,
                               Tensor drop, boolean keepForBackward) {
        this.cfg = cfg;
        this.rt = rt;
        this.buckets = buckets;
        this.mask = mask;
        this.sin = sin;
        this.cos = cos;
        this.drop = drop;
        this.keepForBackward = keepForBackward;
    }

    @Override
    protected String name() {
        return "lshAttention(cuda)";
    }

    /**
     * @param attn      the layer's switches (bucket size, causal, across buckets, duplicates)
     * @param hashes    hash rounds for this call
     * @param rotations [1 or N, dh, H, nb/2] float32 on qk's device, or null when {@code buckets} is given
     * @param buckets   the first run's buckets to replay, or null to hash
     * @param mask      [N, L] bool keep-mask on the device, or null
     * @param sin       rotary table [T, dh/2] float32 on the device, or null (then cos is null too)
     */
    public static Result apply(LshAttention attn, Tensor qk, Tensor v, int queryLen, int hashes, Tensor rotations,
                               Tensor buckets, Tensor mask, Tensor sin, Tensor cos) {
        return apply(attn, qk, v, queryLen, hashes, rotations, buckets, mask, sin, cos, null);
    }

    /** As above with attention dropout multipliers {@code drop} [N, H*L*2bs] float32 on the device, or null. */
    public static Result apply(LshAttention attn, Tensor qk, Tensor v, int queryLen, int hashes, Tensor rotations,
                               Tensor buckets, Tensor mask, Tensor sin, Tensor cos, Tensor drop) {
        String op = "LSHAttention on " + qk.device();
        if (qk.rank() != 3 || !java.util.Arrays.equals(qk.shape(), v.shape()))
            throw new IllegalArgumentException(op + ": qk " + Shape.str(qk.shape()) + " and v " + Shape.str(v.shape())
                    + " must both be [N, L, dh]");
        if (qk.dtype() != DType.F32 || v.dtype() != DType.F32)
            throw new UnsupportedOperationException(op + ": the LSH kernels take float32, got qk " + qk.dtype() + ", v "
                    + v.dtype() + " (run a float64 model on the CPU)");
        if (!v.device().equals(qk.device()))
            throw new IllegalArgumentException(op + ": v is on " + v.device());
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2);
        LshConfig cfg = new LshConfig(n, len, queryLen, dh, hashes, attn.bucketSize(), attn.causal(),
                attn.attendAcrossBuckets(), attn.allowDuplicateAttention());
        check(op, "mask", mask, DType.BOOL, n, len);
        check(op, "sin", sin, DType.F32, queryLen, dh / 2);
        check(op, "cos", cos, DType.F32, queryLen, dh / 2);
        check(op, "drop", drop, DType.F32, n, hashes * len * 2 * attn.bucketSize());
        Tensor qkD = dense(qk.detach());
        CudaRuntime rt = buffer(op, qkD).runtime();
        if (buckets == null) {
            if (rotations == null) throw new IllegalArgumentException(op + ": neither rotations nor buckets given");
            int nb = cfg.buckets(), half = nb / 2;
            int[] rs = rotations.shape();
            if (rs.length != 4 || (rs[0] != 1 && rs[0] != n) || rs[1] != dh || rs[2] != hashes || rs[3] != half)
                throw new IllegalArgumentException(op + ": rotations of shape " + Shape.str(rs) + " do not fit qk "
                        + Shape.str(qk.shape()) + " with " + hashes + " hashes and " + nb + " buckets (expected [1 or "
                        + n + ", " + dh + ", " + hashes + ", " + half + "])");
            Tensor rot = dense(rotations.detach().to(DType.F32));
            // owned by no scope: the reversible backward replays these buckets after the block's scope closed
            Tensor b = Scope.detached(() -> Tensor.empty(new int[] {n, hashes * len}, DType.I32, qk.device()));
            LshHash.hash(rt, buffer(op, qkD), buffer(op, rot), rs[0] == n && n > 1, buffer(op, b), n, len, dh, hashes, nb,
                    HASH_VERSION);
            buckets = b;
        } else {
            check(op, "buckets", buckets, DType.I32, n, hashes * len);
            buckets = dense(buckets);
        }
        boolean record = GradMode.isEnabled() && (qk.requiresGrad() || v.requiresGrad());
        var f = new DeviceLshAttention(cfg, rt, buckets, dense(mask), dense(sin), dense(cos), dense(drop), record);
        return new Result(f.apply(qk, v), buckets);
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
        Tensor qk = dense(in[0]), v = dense(in[1]);
        Tensor out = Tensor.empty(new int[] {cfg.rows(), cfg.queryLen(), cfg.dimHead()}, DType.F32, qk.device());
        String op = name();
        LshAttentionCall call = LshAttentionCall.forward(rt, cfg, buffer(op, qk), buffer(op, v), null, false,
                buffer(op, buckets), opt(op, mask), opt(op, sin), opt(op, cos), opt(op, drop), buffer(op, out));
        if (!keepForBackward) {
            call.close();
            return out;
        }
        // the call's sort and saved logsumexps live until backward, or until this op is garbage collected
        ctx.save(qk, v, out);
        ctx.put("call", call);
        ctx.put("release", CLEANER.register(this, call::close));
        return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        LshAttentionCall call = ctx.get("call");
        Cleaner.Cleanable release = ctx.get("release");
        Tensor qk = ctx.saved(0);
        String op = name() + " backward";
        try {
            Tensor g = dense(gradOutput.to(DType.F32));
            Tensor dqk = Tensor.empty(qk.shape(), DType.F32, qk.device()), dv = Tensor.empty(qk.shape(), DType.F32, qk.device());
            call.backward(buffer(op, g), buffer(op, dqk), buffer(op, dv));
            return new Tensor[] {dqk, dv};
        } finally {
            release.clean(); // a second backward through this op is refused by the closed buffers
        }
    }

    /** t itself when contiguous from the start of its storage, else a contiguous copy (null stays null). */
    private static Tensor dense(Tensor t) {
        if (t == null) return null;
        return t.offset() == 0 && t.isContiguous() ? t : t.clone();
    }

    /** The device buffer behind a tensor (its first element is the buffer's first byte: see {@link #dense}). */
    private static DeviceBuffer buffer(String op, Tensor t) {
        Object d = t.storage().data();
        if (d instanceof DeviceBuffer b) return b;
        throw new IllegalArgumentException(op + ": a tensor on " + t.device() + " (" + d.getClass().getSimpleName()
                + " storage) is not on a CUDA device");
    }

    private static DeviceBuffer opt(String op, Tensor t) {
        return t == null ? null : buffer(op, t);
    }

    private static void check(String op, String what, Tensor t, DType dtype, int rows, int cols) {
        if (t == null) return;
        if (t.dtype() != dtype || t.rank() != 2 || t.size(0) != rows || t.size(1) != cols)
            throw new IllegalArgumentException(op + ": " + what + " must be " + dtype + " [" + rows + ", " + cols + "], got "
                    + t.dtype() + " " + Shape.str(t.shape()));
    }
}
