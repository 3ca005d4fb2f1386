package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of lsh_attention_forward.cu: LSH attention out [N, T, dh] of qk, v [N, L, dh] with the buckets,
 * sort, mask and rotary table of {@link LshDeviceTables} (reformer-pytorch LSHAttention.forward, R:265-439),
 * saving the per-item logsumexp and round weight for {@link LshAttentionBackward}; attention dropout when the
 * tables carry its multipliers. CPU twin: {@link LshAttentionForwardCpu}.
 */
public final class LshAttentionForward {
    static final KernelSource SOURCE = KernelSource.load(LshAttentionForward.class, "lsh_attention_forward.cu");
    /** Kernel versions (see the top comment of lsh_attention_forward.cu). */
    public static final int VERSIONS = 3;
    static final int BLOCK = 128;
    /** Version 2's block (a 16 x 16 grid of threads) and its limits; other sizes run version 1. */
    static final int TILE_BLOCK = 256, TILE_MAX_BUCKET = 64, TILE_MAX_DIM = 64;

    private LshAttentionForward() {}

    /**
     * What the backward needs: per-round outputs bo [N, H*L, dh], their logsumexps lse and round weights
     * w [N, H*L], all in sorted order. Closing gives the buffers back.
     */
    public record Saved(DeviceBuffer bo, DeviceBuffer lse, DeviceBuffer weight) implements AutoCloseable {
        public static Saved allocate(CudaRuntime rt, LshConfig c) {
            long items = (long) c.rows() * c.items();
            return new Saved(rt.allocate(Math.max(4, 4 * items * c.dimHead())), rt.allocate(Math.max(4, 4 * items)),
                    rt.allocate(Math.max(4, 4 * items)));
        }

        @Override
        public void close() {
            bo.close();
            lse.close();
            weight.close();
        }
    }

    /** Bytes of dynamic shared memory one block of version 1 needs. */
    static int sharedBytes(LshConfig c) {
        long bs = c.bucketSize(), dh = c.dimHead(), w2 = 2 * bs;
        return Launches.shared("lsh_attention_forward", bs * dh + w2 * (dh + 1) + w2 * dh + (BLOCK / 32) * w2 + 2 * w2, c);
    }

    /** Whether version 2's register tiles cover this call's bucket size and head dim. */
    static boolean tiled(LshConfig c) {
        return c.bucketSize() <= TILE_MAX_BUCKET && c.dimHead() <= TILE_MAX_DIM;
    }

    /** Bytes of dynamic shared memory one block of version 2 needs. */
    static int tiledSharedBytes(LshConfig c) {
        long bs = c.bucketSize(), dh = c.dimHead(), w2 = 2 * bs;
        return Launches.shared("lsh_attention_forward", bs * dh + Math.max(w2 * (dh + 1), bs * w2) + w2 * dh + 2 * w2, c);
    }

    /** Whether version 3 takes this call (version 2's tiles, float4 rows: dh % 4 == 0, even bucket size). */
    static boolean prepared(LshConfig c) {
        return tiled(c) && c.dimHead() % 4 == 0 && c.bucketSize() % 2 == 0;
    }

    /** Bytes of dynamic shared memory one block of version 3 needs (keys at a stride of dh + 4). */
    static int preparedSharedBytes(LshConfig c) {
        long bs = c.bucketSize(), dh = c.dimHead(), w2 = 2 * bs;
        return Launches.shared("lsh_attention_forward", bs * dh + Math.max(w2 * (dh + 4), bs * w2) + w2 * dh + 2 * w2, c);
    }

    public static void forward(CudaRuntime rt, LshConfig c, LshDeviceTables t, DeviceBuffer qk, DeviceBuffer v,
            DeviceBuffer out, Saved saved, int version) {
        String op = "lsh_attention_forward";
        t.check(op, c);
        long rowsLen = (long) c.rows() * c.len(), items = (long) c.rows() * c.items();
        Launches.check4(op, "qk", qk, rowsLen * c.dimHead());
        Launches.check4(op, "v", v, rowsLen * c.dimHead());
        Launches.check4(op, "out", out, (long) c.rows() * c.queryLen() * c.dimHead());
        Launches.check4(op, "saved.bo", saved.bo(), items * c.dimHead());
        Launches.check4(op, "saved.lse", saved.lse(), items);
        Launches.check4(op, "saved.weight", saved.weight(), items);
        if (c.rows() == 0) return;
        if (c.rows() > 65535) throw new IllegalArgumentException(op + ": " + c.rows() + " rows exceed the grid's 65535 in y");
        // documented: v3 runs v2 where its float4 rows do not fit, v2 runs v1 where its tiles do not
        if (version == 3 && !prepared(c)) version = 2;
        if (version == 2 && !tiled(c)) version = 1;
        var fn = Launches.function(rt, SOURCE, op, version, VERSIONS);
        Dim3 grid = new Dim3(c.chunks(), c.rows(), 1);
        if (version == 3) {
            long rowBytes = 4 * rowsLen * c.dimHead();
            try (DeviceBuffer qr = rt.allocate(rowBytes); DeviceBuffer ku = rt.allocate(rowBytes)) {
                prepare(rt, c, t, qk, qr, ku, null);
                fn.launch(grid, Dim3.of(TILE_BLOCK), preparedSharedBytes(c),
                        optional(optional(KernelArgs.of().ptr(qr).ptr(ku).ptr(v).ptr(t.buckets()).ptr(t.sticker())
                                .ptr(t.undo()), t.mask()), t.drop())
                                .ptr(saved.bo()).ptr(saved.lse()).struct(c.struct()).f32(c.scale()));
            }
        } else {
            int block = version == 2 ? TILE_BLOCK : BLOCK, shared = version == 2 ? tiledSharedBytes(c) : sharedBytes(c);
            fn.launch(grid, Dim3.of(block), shared,
                    optional(optional(optional(optional(KernelArgs.of().ptr(qk).ptr(v).ptr(t.buckets()).ptr(t.sticker())
                            .ptr(t.undo()), t.mask()), t.sin()), t.cos()), t.drop())
                            .ptr(saved.bo()).ptr(saved.lse()).struct(c.struct()).f32(c.scale()));
        }
        // combine v2 (round weights once per position) with v3; v1 and v2 keep combine v1, so that the tests' exact
        // comparison of v3 with v2 covers the combine too
        int combine = version == 3 && c.hashes() <= 32 ? 2 : 1;
        Launches.function(rt, SOURCE, "lsh_attention_combine", combine, VERSIONS).launch(
                Dim3.cover(rowsLen, BLOCK / 32), Dim3.of(BLOCK), 0,
                KernelArgs.of().ptr(saved.bo()).ptr(saved.lse()).ptr(t.undo()).ptr(out).ptr(saved.weight()).struct(c.struct()));
    }

    /**
     * lsh_attention_prepare: qr, every position's rotary-turned qk row, and ku, that row over its norm ([N, L, dh]
     * each), and the norms [N, L] when {@code norms} is not null: what versions 3 of the forward and 4 of the
     * backward gather instead of turning and normalising rows in every window.
     */
    static void prepare(CudaRuntime rt, LshConfig c, LshDeviceTables t, DeviceBuffer qk, DeviceBuffer qr, DeviceBuffer ku,
            DeviceBuffer norms) {
        Launches.function(rt, SOURCE, "lsh_attention_prepare", 1, VERSIONS).launch(
                Dim3.cover((long) c.rows() * c.len(), BLOCK / 32), Dim3.of(BLOCK), 4 * (BLOCK / 32) * c.dimHead(),
                optional(optional(optional(KernelArgs.of().ptr(qk), t.sin()), t.cos()).ptr(qr).ptr(ku), norms)
                        .struct(c.struct()));
    }

    static KernelArgs optional(KernelArgs args, DeviceBuffer b) {
        return b == null ? args.i64(0) : args.ptr(b);
    }
}
