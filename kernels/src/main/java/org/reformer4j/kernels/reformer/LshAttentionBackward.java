package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of lsh_attention_backward.cu: dqk and dv [N, L, dh] (overwritten) from g = dL/dout [N, T, dh], the
 * forward's inputs, output and {@link LshAttentionForward.Saved}, recomputing the scores (FlashAttention-style)
 * and taking the key normalisation and the rotary turn through the chain rule. Scratch: three sorted-order
 * buffers [N, H*L, dh] from the caching allocator. CPU twin: {@link LshAttentionBackwardCpu}.
 */
public final class LshAttentionBackward {
    static final KernelSource SOURCE = KernelSource.load(LshAttentionBackward.class, "lsh_attention_backward.cu");
    /** Kernel versions (see the top comment of lsh_attention_backward.cu). */
    public static final int VERSIONS = 4;
    static final int BLOCK = 128;

    private LshAttentionBackward() {}

    /** Bytes of dynamic shared memory one block of version 1 needs. */
    static int sharedBytes(LshConfig c) {
        long bs = c.bucketSize(), dh = c.dimHead(), w2 = 2 * bs;
        return Launches.shared("lsh_attention_backward", 2 * bs * dh + 2 * w2 * (dh + 1) + 2 * bs * w2 + 3 * bs + 2 * w2, c);
    }

    /** Bytes of dynamic shared memory one block of version 2 needs (unchecked). */
    static long tiledSharedBytes(LshConfig c) {
        long bs = c.bucketSize(), dh = c.dimHead(), w2 = 2 * bs;
        return 4 * (2 * bs * dh + w2 * (dh + 1) + Math.max(w2 * (dh + 1), bs * w2) + bs * w2 + 3 * bs + 2 * w2);
    }

    /**
     * Bytes of dynamic shared memory one block of version 3 (keys at a stride of dh + 1) or 4 (dh + 4) needs
     * (unchecked): half a window at a time.
     */
    static long halvesSharedBytes(LshConfig c, int version) {
        long bs = c.bucketSize(), dh = c.dimHead(), kst = version == 4 ? dh + 4 : dh + 1;
        return 4 * (2 * bs * dh + bs * kst + Math.max(bs * kst, bs * bs) + bs * bs + 3 * bs + 4 * bs);
    }

    /** Whether version 2's register tiles cover this call (bucket size, head dim, shared memory). */
    static boolean tiled(LshConfig c) {
        return LshAttentionForward.tiled(c) && tiledSharedBytes(c) <= Launches.MAX_SHARED;
    }

    public static void backward(CudaRuntime rt, LshConfig c, LshDeviceTables t, DeviceBuffer qk, DeviceBuffer v,
            DeviceBuffer out, LshAttentionForward.Saved saved, DeviceBuffer g, DeviceBuffer dqk, DeviceBuffer dv,
            int version) {
        String op = "lsh_attention_backward";
        t.check(op, c);
        long rowsLen = (long) c.rows() * c.len(), items = (long) c.rows() * c.items(), dh = c.dimHead();
        long outs = (long) c.rows() * c.queryLen() * dh;
        Launches.check4(op, "qk", qk, rowsLen * dh);
        Launches.check4(op, "v", v, rowsLen * dh);
        Launches.check4(op, "out", out, outs);
        Launches.check4(op, "g", g, outs);
        Launches.check4(op, "saved.lse", saved.lse(), items);
        Launches.check4(op, "saved.weight", saved.weight(), items);
        Launches.check4(op, "dqk", dqk, rowsLen * dh);
        Launches.check4(op, "dv", dv, rowsLen * dh);
        if (c.rows() == 0) return;
        if (c.rows() > 65535) throw new IllegalArgumentException(op + ": " + c.rows() + " rows exceed the grid's 65535 in y");
        // documented: v4 runs v3 where dh % 4 != 0; larger buckets or heads run version 1 (v3 and v4 need no more
        // shared memory than v2)
        if (version == 4 && dh % 4 != 0) version = 3;
        if (version >= 2 && !tiled(c)) version = 1;
        int block = version >= 2 ? LshAttentionForward.TILE_BLOCK : BLOCK;
        int shared = version >= 3 ? (int) halvesSharedBytes(c, version) : version == 2 ? (int) tiledSharedBytes(c) : sharedBytes(c);
        long scratch = 4 * items * dh;
        boolean prepared = version == 4; // the rows of lsh_attention_prepare (null otherwise)
        try (DeviceBuffer dq = rt.allocate(scratch); DeviceBuffer dk = rt.allocate(scratch); DeviceBuffer dvs = rt.allocate(scratch);
                DeviceBuffer qr = prepared ? rt.allocate(4 * rowsLen * dh) : null;
                DeviceBuffer ku = prepared ? rt.allocate(4 * rowsLen * dh) : null;
                DeviceBuffer norms = prepared ? rt.allocate(4 * rowsLen) : null) {
            rt.memset(dk, 0, scratch, (byte) 0);
            rt.memset(dvs, 0, scratch, (byte) 0);
            KernelArgs a;
            if (prepared) {
                LshAttentionForward.prepare(rt, c, t, qk, qr, ku, norms);
                a = LshAttentionForward.optional(LshAttentionForward.optional(KernelArgs.of().ptr(qr).ptr(ku).ptr(v)
                        .ptr(t.buckets()).ptr(t.sticker()).ptr(t.undo()), t.mask()), t.drop());
            } else {
                a = LshAttentionForward.optional(KernelArgs.of().ptr(qk).ptr(v).ptr(t.buckets()).ptr(t.sticker())
                        .ptr(t.undo()), t.mask());
                a = LshAttentionForward.optional(LshAttentionForward.optional(LshAttentionForward.optional(a, t.sin()),
                        t.cos()), t.drop());
            }
            a.ptr(saved.lse()).ptr(saved.weight()).ptr(g).ptr(out).ptr(dq).ptr(dk).ptr(dvs).struct(c.struct()).f32(c.scale());
            Launches.function(rt, SOURCE, op, version, VERSIONS).launch(new Dim3(c.chunks(), c.rows(), 1), Dim3.of(block),
                    shared, a);
            // unsort v2 reads the prepared unit keys and norms (after v4); v1 recomputes them
            KernelArgs u = prepared ? KernelArgs.of().ptr(ku).ptr(norms).ptr(t.undo()) : KernelArgs.of().ptr(qk).ptr(t.undo());
            u = LshAttentionForward.optional(LshAttentionForward.optional(u, t.sin()), t.cos());
            u.ptr(dq).ptr(dk).ptr(dvs).ptr(dqk).ptr(dv).struct(c.struct());
            Launches.function(rt, SOURCE, "lsh_attention_unsort", prepared ? 2 : 1, VERSIONS).launch(Dim3.cover(rowsLen, BLOCK / 32),
                    Dim3.of(BLOCK), 4 * (BLOCK / 32) * c.hashes(), u);
        }
    }
}
