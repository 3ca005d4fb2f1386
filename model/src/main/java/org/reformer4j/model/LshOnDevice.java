package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.model.attention.DeviceLshAttention;
import org.reformer4j.model.attention.LshAttention;

/**
 * The LSH branch of {@link LSHSelfAttention} when its tensors are on an accelerator: the layer's rotations
 * drawn (or moved) there, the keep-mask widened to [B*heads, L] (memory slots kept, encoder keys under the context
 * mask) and the rotary table from
 * {@link ForwardState.OnDevice}, the attention dropout multipliers (drawn as the CPU path draws them), buckets
 * recorded on the device for the reversible backward's replay, then {@link DeviceLshAttention}. Only a {@link Recorder} (a test and debugging aid) and a
 * decode cache's prefill copy buckets to the host.
 * Shapes: qk, v [B*h, L, dh] with L = T + memory slots + encoder keys -> out [B*h, T, dh].
 */
final class LshOnDevice {
    private LshOnDevice() {}

    /** The attention output [B*h, T, dh], and the buckets on the host for a {@link Recorder} or a prefill (else null). */
    record Result(Tensor out, int[][] hostBuckets) {}

    static Result attend(LshAttention lsh, ReformerConfig cfg, Tensor qk, Tensor v, int b, int heads, int t, int m, int layer,
                         ForwardState s, ForwardState.Replay replay) {
        Device device = qk.device();
        int len = qk.size(1), dh = qk.size(2), hashes = s.nHashes;
        Tensor buckets = replay.recordedDeviceBuckets();
        Tensor rot = null;
        if (buckets == null) {
            int nb = lsh.buckets(len);
            int[] shape = {cfg.randomRotationsPerHead ? b * heads : 1, dh, hashes, nb / 2};
            rot = Scope.detached(() -> s.rotations.rotations(layer, shape, cfg.dtype, device));
        }
        Tensor drop = dropout(cfg, b * heads, hashes * len * 2 * cfg.bucketSize, s, replay, device);
        ForwardState.OnDevice in = s.onDevice;
        Tensor mask = in == null ? null : rowMask(in.mask(), in.context(), b, heads, t, m, len, device);
        Tensor sin = in == null ? null : in.sin(), cos = in == null ? null : in.cos();
        var res = DeviceLshAttention.apply(lsh, qk, v, t, hashes, rot, buckets, mask, sin, cos, drop);
        replay.recordDeviceBuckets(res.buckets());
        int[][] host = null;
        if ((s.recorder != null || s.prefill() != null) && !replay.replaying()) {
            host = hostBuckets(res.buckets());
            if (s.recorder != null) s.recorder.record(layer, host);
        }
        return new Result(res.out(), host);
    }

    /**
     * The attention dropout multipliers [rows, perRow] on the device, or null when not training or the rate is 0:
     * drawn from the same generator counters, in the same order, as the CPU path (so both drop the same weights,
     * and the reversible recompute replays them), on the host, then copied to the device (one float per score).
     */
    private static Tensor dropout(ReformerConfig cfg, int rows, int perRow, ForwardState s, ForwardState.Replay replay,
                                  Device device) {
        var drop = s.lshDropout((long) rows * perRow, cfg.lshDropout, cfg.dtype, replay);
        if (drop == null) return null;
        double[] scales = new double[rows * perRow];
        drop.fill(0, scales, 0, scales.length);
        float[] f = new float[scales.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) scales[i];
        return Tensor.of(f, rows, perRow).to(device);
    }

    /**
     * The keep-mask [B*heads, L] of L = T + m memory slots + C encoder keys: the [B, T] device mask over the positions
     * (all kept when null), the memory slots kept, the [B, C] device context mask over the keys (all kept when null),
     * each row repeated per head; null when neither mask is given.
     */
    private static Tensor rowMask(Tensor mask, Tensor context, int b, int heads, int t, int m, int len, Device device) {
        if (mask == null && context == null) return null;
        List<Tensor> parts = new java.util.ArrayList<>();
        parts.add(mask != null ? mask : Tensor.full(new int[] {b, t}, 1, DType.BOOL, device));
        if (context == null) {
            if (len > t) parts.add(Tensor.full(new int[] {b, len - t}, 1, DType.BOOL, device));
        } else {
            if (m > 0) parts.add(Tensor.full(new int[] {b, m}, 1, DType.BOOL, device));
            parts.add(context);
        }
        Tensor k = parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, 1);
        return k.unsqueeze(1).expand(b, heads, len).contiguous().reshape(b * heads, len);
    }

    /** The buckets as the {@link Recorder} keeps them (a host copy: only when recording). */
    private static int[][] hostBuckets(Tensor buckets) {
        int n = buckets.size(0), w = buckets.size(1);
        int[] flat = buckets.toIntArray();
        int[][] out = new int[n][w];
        for (int r = 0; r < n; r++) System.arraycopy(flat, r * w, out[r], 0, w);
        return out;
    }
}
