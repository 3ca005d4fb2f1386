package org.reformer4j.kernels.reformer;

import java.lang.foreign.MemorySegment;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * {@link LshTables} on a device: buckets, sticker, undo int32 [N, H*L], mask uint8 [N, L] or null, sin/cos
 * float32 [T, dh/2] or null, attention dropout multipliers drop float32 [N, H*L, 2bs] or null. Closing gives
 * the buffers it owns back to the allocator. On a device the buckets and their sort usually come straight from
 * {@link LshHash} and {@link LshSort} ({@link #of}).
 */
public record LshDeviceTables(DeviceBuffer buckets, DeviceBuffer sticker, DeviceBuffer undo, DeviceBuffer mask,
        DeviceBuffer sin, DeviceBuffer cos, DeviceBuffer drop) implements AutoCloseable {

    public static LshDeviceTables of(DeviceBuffer buckets, DeviceBuffer sticker, DeviceBuffer undo, DeviceBuffer mask,
            DeviceBuffer sin, DeviceBuffer cos) {
        return new LshDeviceTables(buckets, sticker, undo, mask, sin, cos, null);
    }

    /** The same tables with attention dropout multipliers drop [N, H*L, 2bs] (null: none). */
    public LshDeviceTables withDropout(DeviceBuffer drop) {
        return new LshDeviceTables(buckets, sticker, undo, mask, sin, cos, drop);
    }

    public static LshDeviceTables upload(CudaRuntime rt, LshTables t) {
        DeviceBuffer m = null;
        if (t.mask() != null) {
            byte[] b = new byte[t.mask().length];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (t.mask()[i] ? 1 : 0);
            m = rt.allocate(Math.max(1, b.length));
            rt.copyToDevice(MemorySegment.ofArray(b), m, 0, b.length);
        }
        return new LshDeviceTables(rt.upload(t.buckets()), rt.upload(t.sticker()), rt.upload(t.undo()), m,
                t.sin() == null ? null : rt.upload(t.sin()), t.cos() == null ? null : rt.upload(t.cos()),
                t.drop() == null ? null : rt.upload(t.drop()));
    }

    void check(String op, LshConfig cfg) {
        long items = (long) cfg.rows() * cfg.items();
        Launches.check4(op, "buckets", buckets, items);
        Launches.check4(op, "sticker", sticker, items);
        Launches.check4(op, "undo", undo, items);
        if (mask != null) Launches.check(op, "mask", mask, (long) cfg.rows() * cfg.len(), 1);
        if (drop != null) Launches.check4(op, "drop", drop, items * 2 * cfg.bucketSize());
        if ((sin == null) != (cos == null))
            throw new IllegalArgumentException(op + ": the rotary table needs both sin and cos (or neither)");
        if (sin != null) {
            if (cfg.dimHead() % 2 != 0)
                throw new IllegalArgumentException(op + ": the rotary embedding needs an even head dim, got " + cfg.dimHead());
            Launches.check4(op, "sin", sin, (long) cfg.queryLen() * (cfg.dimHead() / 2));
            Launches.check4(op, "cos", cos, (long) cfg.queryLen() * (cfg.dimHead() / 2));
        }
    }

    @Override
    public void close() {
        for (DeviceBuffer b : new DeviceBuffer[] {buckets, sticker, undo, mask, sin, cos, drop})
            if (b != null) b.close();
    }
}
