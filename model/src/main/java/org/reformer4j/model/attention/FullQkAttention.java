package org.reformer4j.model.attention;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;

/**
 * Full attention over shared query/keys (reformer-pytorch {@code FullQKAttention.forward}, R:449-484):
 * queries are the first T rows of qk, keys all L rows unit-normalised, scores scaled by dh^-0.5; the
 * diagonal gets -5e4 first, then the keep-mask ({@code m[i] AND m[j]}) and the causal mask (j > i within the
 * first T columns) write the dtype's most negative value; softmax, dropout, times v. No position
 * information. Shapes: qk, v [N, L, dh] -> [N, T, dh]; mask [N][L] or null. {@link #attend} runs float32 CPU
 * inputs as one fused op ({@link FullQkAttentionF32}) and everything else (float64, devices, dropout rate 1)
 * through the unfused graph of {@link #forward}.
 */
public final class FullQkAttention {
    /** Whether {@link #attend} may use the fused float32 op (system property {@code reformer4j.fusedFullAttention}, default true). */
    static volatile boolean fused = !"false".equals(System.getProperty("reformer4j.fusedFullAttention"));

    private FullQkAttention() {}

    /**
     * The attention dropout's replayable source: rate p in (0, 1], the Philox key (seed, stream), and
     * {@code draw(blocks)}, the first block of a draw of that many blocks (a layer's replay, so that a
     * recomputation draws the same mask). Element e of the [N, T, L] probabilities takes the float32 uniform e.
     */
    public record Dropout(double p, long seed, long stream, java.util.function.LongUnaryOperator draw) {
        public Dropout {
            if (!(p > 0 && p <= 1)) throw new IllegalArgumentException("FullQKAttention: dropout rate must be in (0, 1], got " + p);
            java.util.Objects.requireNonNull(draw, "FullQKAttention: dropout draw");
        }
    }

    /**
     * {@link #forward} with dropout from {@code dropout} (null: none): float32 CPU inputs run the fused op, others
     * the unfused graph with {@code Functional.dropout} (a draw of ceil(numel/4) blocks in float32, ceil(numel/2)
     * in float64, as {@code ForwardState.dropout}).
     */
    public static Tensor attend(Tensor qk, Tensor v, int queryLen, boolean[][] mask, boolean causal, Dropout dropout) {
        check(qk, v, queryLen, mask);
        if (fusedOn() && FullQkAttentionF32.covers(qk, v, dropout)) return FullQkAttentionF32.attend(qk, v, queryLen, mask, causal, dropout);
        java.util.function.UnaryOperator<Tensor> drop = dropout == null ? null : p -> {
            long blocks = org.reformer4j.core.random.Generator.blocksFor(p.numel(), p.dtype());
            return Functional.dropout(p, dropout.p(), dropout.seed(), dropout.stream(), dropout.draw().applyAsLong(blocks));
        };
        return forward(qk, v, queryLen, mask, causal, drop);
    }

    /**
     * {@link #attend} of the B * heads rows held side by side in qk, v [B, L, heads * dh] (the projections before the
     * heads are split: row n = b * heads + h), output [B, T, heads * dh] (the heads merged), when the fused float32 op
     * covers the inputs; null otherwise (the caller splits the heads and calls {@link #attend}). The same values as
     * {@link #attend} on the split heads, without the two permuted copies in and the one out (nor their gradients').
     * Shapes, heads and mask rows that do not fit are refused whether or not the fused op would run.
     */
    public static Tensor attendHeads(Tensor qk, Tensor v, int heads, int queryLen, boolean[][] mask, boolean causal, Dropout dropout) {
        if (heads < 1 || qk.rank() != 3 || !java.util.Arrays.equals(qk.shape(), v.shape()) || qk.size(2) % heads != 0) {
            throw new IllegalArgumentException("FullQKAttention: qk and v must both be [B, L, heads * dh] with " + heads
                    + " heads, got qk " + java.util.Arrays.toString(qk.shape()) + " and v " + java.util.Arrays.toString(v.shape()));
        }
        checkRows(qk.size(0) * heads, qk.size(1), queryLen, mask);
        if (!fusedOn() || !FullQkAttentionF32.covers(qk, v, dropout)) return null;
        return FullQkAttentionF32.attendHeads(qk, v, heads, queryLen, mask, causal, dropout);
    }

    /**
     * Whether the fused op may run: {@link #fused}, and the Vector API present (the op's class holds its species in
     * static fields; without the module the unfused graph of tensor ops runs, whose kernels have scalar loops).
     */
    private static boolean fusedOn() {
        return fused && org.reformer4j.core.cpu.VectorSupport.ENABLED;
    }

    private static void check(Tensor qk, Tensor v, int t, boolean[][] mask) {
        if (qk.rank() != 3 || !java.util.Arrays.equals(qk.shape(), v.shape())) {
            throw new IllegalArgumentException("FullQKAttention: qk and v must both be [N, L, dh], got qk "
                    + java.util.Arrays.toString(qk.shape()) + " and v " + java.util.Arrays.toString(v.shape()));
        }
        if (qk.dtype() != v.dtype()) throw new IllegalArgumentException("FullQKAttention: qk is " + qk.dtype() + " but v is " + v.dtype());
        checkRows(qk.size(0), qk.size(1), t, mask);
    }

    /** The query length and the mask rows against N rows of L keys. */
    private static void checkRows(int n, int len, int t, boolean[][] mask) {
        if (t < 1 || t > len) {
            throw new IllegalArgumentException("FullQKAttention: query length " + t + " must be in [1, L = " + len + "]");
        }
        if (mask != null) {
            if (mask.length != n) {
                throw new IllegalArgumentException("FullQKAttention: mask has " + mask.length + " rows, qk has N = " + n);
            }
            for (boolean[] m : mask) {
                if (m.length < len) {
                    throw new IllegalArgumentException("FullQKAttention: a mask row has " + m.length + " entries, L = " + len);
                }
            }
        }
    }

    /** {@code dropout} maps the probabilities [N, T, L] (identity when none). */
    public static Tensor forward(Tensor qk, Tensor v, int queryLen, boolean[][] mask, boolean causal,
                                 java.util.function.UnaryOperator<Tensor> dropout) {
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2), t = queryLen;
        DType dt = qk.dtype();
        Tensor q = qk.narrow(1, 0, t);
        Tensor k = qk.div(qk.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
        if (qk.device().isCpu()) {
            Tensor p = probabilities(q, k, mask, causal);
            if (dropout != null) p = dropout.apply(p);
            return p.matmul(v);
        }
        Tensor dot = q.matmul(k.transpose(1, 2)).mul(Math.pow(dh, -0.5)); // [N, T, L]
        double masked = Arrays2.maskValue(dt);
        // the self and causal masks as one where() with tensors made once per shape on the device; the two
        // masks touch different entries, so this equals the two masked fills (self, then causal) of the reference
        Tensor[] fixed = fixedMasks(dot.device(), dt, t, len, causal);
        dot = Tensor.where(fixed[0], dot, fixed[1]);
        if (mask != null) {
            boolean[] drop = new boolean[n * t * len];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < len; j++) drop[(r * t + i) * len + j] = !(mask[r][i] && mask[r][j]);
                }
            }
            dot = dot.maskedFill(Tensor.of(drop, n, t, len).to(dot.device()), masked);
        }
        Tensor p = Functional.softmax(dot, -1, false);
        if (dropout != null) p = dropout.apply(p);
        return p.matmul(v);
    }

    private record MaskKey(Device device, DType dtype, int t, int len, boolean causal) {}

    /** {@link #fixedMasks} per device, dtype and shape; cleared when it grows past 64 entries (many lengths). */
    private static final java.util.Map<MaskKey, Tensor[]> FIXED_MASKS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The masks that depend on the shape only, on {@code device} and made once: keep [1, T, L] (bool; false on the
     * diagonal and, when causal, at j > i within the first T columns) and the values those entries take [1, T, L]
     * (-5e4 on the diagonal, the dtype's most negative value in the future). On a device this saves the host
     * arrays' uploads and three of the four launches of two masked fills per call.
     */
    private static Tensor[] fixedMasks(Device device, DType dt, int t, int len, boolean causal) {
        MaskKey key = new MaskKey(device, dt, t, len, causal);
        Tensor[] m = FIXED_MASKS.get(key);
        if (m != null) return m;
        if (FIXED_MASKS.size() >= 64) FIXED_MASKS.clear();
        boolean[] keep = new boolean[t * len];
        double[] value = new double[t * len];
        double masked = Arrays2.maskValue(dt);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < len; j++) {
                boolean self = i == j, future = causal && j > i && j < t;
                keep[i * len + j] = !self && !future;
                value[i * len + j] = self ? LshAttentionCore.SELF_VALUE : future ? masked : 0;
            }
        }
        m = org.reformer4j.core.Scope.detached(() -> new Tensor[] {Tensor.of(keep, 1, t, len).to(device),
            Tensor.of(value, 1, t, len).to(dt).to(device)});
        FIXED_MASKS.put(key, m);
        return m;
    }

    /**
     * The softmax matrix [N, T, L] of {@link #forward} on the CPU before dropout (reformer-pytorch's returned
     * {@code attn} when dropout is off): recorded by a {@code Recorder} with attention on. A device's qk is copied
     * to the host first.
     */
    public static Tensor weights(Tensor qk, int queryLen, boolean[][] mask, boolean causal) {
        if (!qk.device().isCpu()) qk = qk.to(org.reformer4j.core.Device.CPU);
        Tensor k = qk.div(qk.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
        return probabilities(qk.narrow(1, 0, queryLen), k, mask, causal);
    }

    /** Scaled, masked scores of queries q [N, T, dh] against unit keys k [N, L, dh], softmaxed over L (CPU). */
    private static Tensor probabilities(Tensor q, Tensor k, boolean[][] mask, boolean causal) {
        int n = q.size(0), t = q.size(1), len = k.size(1), dh = q.size(2);
        Tensor dot = new ScaleAndMask(Math.pow(dh, -0.5), codes(n, t, len, mask, causal), mask == null ? 0 : t * len)
                .apply(q.matmul(k.transpose(1, 2)));
        return Functional.softmax(dot, -1, false);
    }

    /**
     * What happens to each score [T, L] (or [N, T, L] with an input mask): 0 keep, 1 the self value, 2 the
     * masked value; masking wins over self, as the reference's later masked_fill_ overwrites the earlier one.
     */
    static byte[] codes(int n, int t, int len, boolean[][] mask, boolean causal) {
        int rows = mask == null ? 1 : n;
        byte[] c = new byte[rows * t * len];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                int o = (r * t + i) * len;
                c[o + i] = 1;
                for (int j = 0; j < len; j++) {
                    boolean drop = (mask != null && !(mask[r][i] && mask[r][j])) || (causal && j > i && j < t);
                    if (drop) c[o + j] = 2;
                }
            }
        }
        return c;
    }

    /**
     * The scores' scale and masks in one pass, CPU tensors of [N, T, L]: {@code y = x * scale}, then the coded
     * entries set to the self value (-5e4) or the dtype's most negative value; the gradient is {@code g * scale}
     * with the coded entries zero. Equal to torch's mul then masked_fill_ chain, float32 rounding included.
     */
    private static final class ScaleAndMask extends org.reformer4j.core.autograd.Function {
        private final double scale;
        private final byte[] codes;
        private final int rowStride;

        /** rowStride: codes per row of N (0 when all rows share one [T, L] plane). */
        ScaleAndMask(double scale, byte[] codes, int rowStride) {
            this.scale = scale;
            this.codes = codes;
            this.rowStride = rowStride;
        }

        @Override
        protected String name() {
            return "fullAttentionScoreMask";
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            return apply(in[0], true);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {apply(g, false)};
        }

        private Tensor apply(Tensor x, boolean forward) {
            Tensor xc = x.contiguous();
            Tensor y = Tensor.empty(xc.shape(), xc.dtype(), xc.device());
            int n = y.size(0), t = y.size(1), len = y.size(2), xo = xc.offset(), yo = y.offset();
            int[][] runs = runs(len);
            double masked = Arrays2.maskValue(y.dtype());
            // rows of N in parallel; each score row as runs of one code: scaled copies and constant fills
            if (y.storage().data() instanceof float[] a) {
                float[] in = (float[]) xc.storage().data();
                float sc = (float) scale, self = forward ? (float) LshAttentionCore.SELF_VALUE : 0f, drop = forward ? (float) masked : 0f;
                Parallel.forRange(n, 1, (r0, r1) -> {
                    for (int r = r0; r < r1; r++) {
                        for (int i = 0; i < t; i++) {
                            int[] rr = runs[(rowStride == 0 ? 0 : r * t) + i];
                            int yr = yo + (r * t + i) * len, xr = xo + (r * t + i) * len;
                            for (int k = 0; k < rr.length; k += 3) {
                                int from = rr[k], to = rr[k + 1];
                                if (rr[k + 2] == 0) for (int e = from; e < to; e++) a[yr + e] = in[xr + e] * sc;
                                else java.util.Arrays.fill(a, yr + from, yr + to, rr[k + 2] == 1 ? self : drop);
                            }
                        }
                    }
                });
            } else {
                double[] a = (double[]) y.storage().data(), in = (double[]) xc.storage().data();
                double self = forward ? LshAttentionCore.SELF_VALUE : 0.0, drop = forward ? masked : 0.0;
                for (int r = 0; r < n; r++) {
                    for (int i = 0; i < t; i++) {
                        int[] rr = runs[(rowStride == 0 ? 0 : r * t) + i];
                        int yr = yo + (r * t + i) * len, xr = xo + (r * t + i) * len;
                        for (int k = 0; k < rr.length; k += 3) {
                            int from = rr[k], to = rr[k + 1];
                            if (rr[k + 2] == 0) for (int e = from; e < to; e++) a[yr + e] = in[xr + e] * scale;
                            else java.util.Arrays.fill(a, yr + from, yr + to, rr[k + 2] == 1 ? self : drop);
                        }
                    }
                }
            }
            return y;
        }

        private int[][] runs;

        private int[][] runs(int len) {
            if (runs == null) runs = FullQkAttention.runs(codes, len);
            return runs;
        }
    }

    /** Per row of codes (each {@code len} long): (from, to, code) triples of its runs of equal codes. */
    static int[][] runs(byte[] codes, int len) {
        int[][] out = new int[codes.length / len][];
        int[] buf = new int[3 * len];
        for (int q = 0; q < out.length; q++) {
            int m = 0, base = q * len;
            for (int j = 0; j < len; ) {
                int k = j + 1;
                while (k < len && codes[base + k] == codes[base + j]) k++;
                buf[m++] = j;
                buf[m++] = k;
                buf[m++] = codes[base + j];
                j = k;
            }
            out[q] = java.util.Arrays.copyOf(buf, m);
        }
        return out;
    }

    static Tensor bools(boolean[] b, int... shape) {
        return Tensor.of(b, shape).to(Device.CPU);
    }
}
