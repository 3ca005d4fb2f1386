package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * One LSH attention call on a device, start to end without host round trips (reformer-pytorch
 * LSHAttention.forward, R:265-439): lsh_hash.cu (or buckets given, as the reversible backward replays the
 * forward's), lsh_sort.cu, lsh_attention_forward.cu; then {@link #backward} with lsh_attention_backward.cu.
 * Owns the buckets, their sort and the saved logsumexps and weights until closed; the caller owns qk, v,
 * mask, sin/cos and out. Shapes as {@link LshConfig}: qk, v [N, L, dh], out [N, T, dh].
 */
public final class LshAttentionCall implements AutoCloseable {
    private final CudaRuntime rt;
    private final LshConfig cfg;
    private final LshDeviceTables tables;
    private final LshAttentionForward.Saved saved;
    private final DeviceBuffer qk, v, out;
    private final boolean ownsBuckets;

    private LshAttentionCall(CudaRuntime rt, LshConfig cfg, LshDeviceTables tables, LshAttentionForward.Saved saved,
            DeviceBuffer qk, DeviceBuffer v, DeviceBuffer out, boolean ownsBuckets) {
        this.rt = rt;
        this.cfg = cfg;
        this.tables = tables;
        this.saved = saved;
        this.qk = qk;
        this.v = v;
        this.out = out;
        this.ownsBuckets = ownsBuckets;
    }

    /**
     * Hashes qk with {@code rotations} ([1 or N, dh, H, nb/2]), or, when {@code buckets} is not null, reuses
     * those [N, H*L] (not owned); sorts; runs the forward into {@code out}. mask, sin, cos may be null.
     */
    public static LshAttentionCall forward(CudaRuntime rt, LshConfig cfg, DeviceBuffer qk, DeviceBuffer v,
            DeviceBuffer rotations, boolean rotationsPerRow, DeviceBuffer buckets, DeviceBuffer mask, DeviceBuffer sin,
            DeviceBuffer cos, DeviceBuffer out) {
        return forward(rt, cfg, qk, v, rotations, rotationsPerRow, buckets, mask, sin, cos, null, out);
    }

    /**
     * As above with attention dropout: {@code drop} [N, H*L, 2bs] float32 multipliers (0 or 1/(1-rate)) of the
     * probabilities, or null; not owned, and read again by {@link #backward}, so it must live until then.
     */
    public static LshAttentionCall forward(CudaRuntime rt, LshConfig cfg, DeviceBuffer qk, DeviceBuffer v,
            DeviceBuffer rotations, boolean rotationsPerRow, DeviceBuffer buckets, DeviceBuffer mask, DeviceBuffer sin,
            DeviceBuffer cos, DeviceBuffer drop, DeviceBuffer out) {
        long items = Math.max(1, (long) cfg.rows() * cfg.items());
        boolean own = buckets == null;
        DeviceBuffer b = own ? rt.allocate(4 * items) : buckets;
        DeviceBuffer sticker = rt.allocate(4 * items), undo = rt.allocate(4 * items);
        LshDeviceTables t = LshDeviceTables.of(b, sticker, undo, mask, sin, cos).withDropout(drop);
        LshAttentionForward.Saved saved = LshAttentionForward.Saved.allocate(rt, cfg);
        LshAttentionCall call = new LshAttentionCall(rt, cfg, t, saved, qk, v, out, own);
        try {
            if (own) {
                if (rotations == null) throw new IllegalArgumentException("lsh_attention: neither rotations nor buckets given");
                LshHash.hash(rt, qk, rotations, rotationsPerRow, b, cfg.rows(), cfg.len(), cfg.dimHead(), cfg.hashes(),
                        cfg.buckets(), 3);
            }
            LshSort.sort(rt, b, sticker, undo, cfg.rows(), cfg.len(), cfg.hashes(), cfg.buckets(), 2);
            LshAttentionForward.forward(rt, cfg, t, qk, v, out, saved, 3); // v3 runs v2 or v1 where its tiles do not fit
        } catch (RuntimeException e) {
            call.close();
            throw e;
        }
        return call;
    }

    /** dqk, dv [N, L, dh] (overwritten) from g = dL/dout [N, T, dh]. */
    public void backward(DeviceBuffer g, DeviceBuffer dqk, DeviceBuffer dv) {
        LshAttentionBackward.backward(rt, cfg, tables, qk, v, out, saved, g, dqk, dv, 4); // v4 runs v3 or v1 where it does not fit
    }

    /** The buckets [N, H*L] this call used (valid until close): what a reversible recomputation replays. */
    public DeviceBuffer buckets() {
        return tables.buckets();
    }

    public LshConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        if (ownsBuckets) tables.buckets().close();
        tables.sticker().close();
        tables.undo().close();
        saved.close();
    }
}
