package org.reformer4j.kernels.reformer;

/**
 * Everything an LSH attention call needs besides the differentiable qk and v, on the host: the buckets
 * [N, H*L] (round offsets included), their sort {@code sticker} and inverse {@code undo} [N, H*L], the
 * keep-mask [N, L] (true = keep; null: none), the rotary table sin, cos [T, dh/2] (null: no rotary
 * embedding) and the attention dropout multipliers drop [N, H*L, 2bs] (0 or 1/(1-rate) per score of each sorted
 * query item's chunk row, in the model's dropout order; null: no dropout). {@link LshDeviceTables#upload} puts
 * the same on a device.
 */
public record LshTables(int[] buckets, int[] sticker, int[] undo, boolean[] mask, float[] sin, float[] cos,
                        float[] drop) {
    /** Tables without attention dropout. */
    public LshTables(int[] buckets, int[] sticker, int[] undo, boolean[] mask, float[] sin, float[] cos) {
        this(buckets, sticker, undo, mask, sin, cos, null);
    }

    /** The same tables with the attention dropout multipliers {@code drop} [N, H*L, 2bs] (null: none). */
    public LshTables withDropout(float[] drop) {
        return new LshTables(buckets, sticker, undo, mask, sin, cos, drop);
    }

    public LshTables {
        if (buckets == null || sticker == null || undo == null)
            throw new IllegalArgumentException("lsh_attention: buckets, sticker and undo are required");
        if ((sin == null) != (cos == null))
            throw new IllegalArgumentException("lsh_attention: the rotary table needs both sin and cos (or neither)");
    }

    /** Hashes nothing: sorts the given buckets with the CPU twin and wraps them with the mask and table. */
    public static LshTables sorted(LshConfig cfg, int[] buckets, boolean[] mask, float[] sin, float[] cos) {
        LshSortCpu.Sorted s = LshSortCpu.sort(buckets, cfg.rows(), cfg.len(), cfg.hashes(), cfg.buckets());
        LshTables t = new LshTables(buckets, s.sticker(), s.undo(), mask, sin, cos);
        t.check(cfg);
        return t;
    }

    /**
     * The rotary table of reformer-pytorch's {@code FixedPositionalEmbedding(dh)} for positions p < T, as
     * torch computes it in float32 (R:637-664): {@code invFreq[i] = 1 / 10000^(2i/dh)}, angle
     * {@code p * invFreq[i]} rounded to float32, then its sine and cosine. Returns {sin, cos}, each [T, dh/2].
     */
    public static float[][] rotary(int queryLen, int dimHead) {
        int half = dimHead / 2;
        float[] sin = new float[queryLen * half], cos = new float[queryLen * half];
        for (int i = 0; i < half; i++) {
            float inv = (float) (1.0 / (float) Math.pow(10000.0, (float) (2 * i) / (float) dimHead));
            for (int p = 0; p < queryLen; p++) {
                float a = (float) p * inv;
                sin[p * half + i] = (float) Math.sin(a);
                cos[p * half + i] = (float) Math.cos(a);
            }
        }
        return new float[][] {sin, cos};
    }

    /** Checks the array sizes against {@code cfg}, naming the first that does not fit. */
    public void check(LshConfig cfg) {
        long items = (long) cfg.rows() * cfg.items();
        need("buckets", buckets.length, items);
        need("sticker", sticker.length, items);
        need("undo", undo.length, items);
        if (mask != null) need("mask", mask.length, (long) cfg.rows() * cfg.len());
        if (drop != null) need("drop", drop.length, items * 2 * cfg.bucketSize());
        if (sin != null) {
            if (cfg.dimHead() % 2 != 0)
                throw new IllegalArgumentException("lsh_attention: the rotary embedding needs an even head dim, got " + cfg.dimHead());
            need("sin", sin.length, (long) cfg.queryLen() * (cfg.dimHead() / 2));
            need("cos", cos.length, (long) cfg.queryLen() * (cfg.dimHead() / 2));
        }
    }

    private static void need(String what, long have, long want) {
        if (have < want) throw new IllegalArgumentException("lsh_attention: " + what + " holds " + have + " elements, needs " + want);
    }
}
