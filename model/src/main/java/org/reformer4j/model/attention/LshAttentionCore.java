package org.reformer4j.model.attention;

import static org.reformer4j.model.attention.Arrays2.round;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * The LSH attention of one layer as one differentiable op over (qk, v) [N, L, dh] -> out [N, T, dh]
 * (reformer-pytorch {@code LSHAttention.forward} after hashing, R:280-424): rotary embedding of the first
 * T rows, gather into the bucket order, C = H*L/bs chunks of bs queries that see their chunk and the one
 * before (2bs keys, unit-normalised), masks in the reference order (input, causal, self -5e4, other bucket,
 * duplicate count), softmax with its logsumexp, dropout, unsort, and the logsumexp-weighted mix of the H
 * rounds. Memory stays linear in L: the chunks are processed a group at a time ({@link LshChunks}), the
 * [C, bs, 2bs] scores are never held whole, and backward recomputes them from the saved logsumexps (as a
 * flash-attention backward does); what is kept is per position (rotated qk, unit keys, norms, v) plus the
 * per-round outputs and weights. Arithmetic is float64, rounded to float32 where torch's float32 ops round
 * ({@link Arrays2#round}); the dense products run as batched GEMMs in the model's dtype.
 * Shapes: N rows, L keys (tokens + memory), T queries, H rounds, bs bucket size.
 */
public final class LshAttentionCore extends Function {
    /** torch's TOKEN_SELF_ATTN_VALUE: the score of a query with itself. */
    public static final double SELF_VALUE = -5e4;

    /** Everything but the two differentiable inputs. Rotary tables are [T * dh/2] (or null: no rotary). */
    public record Plan(int queryLen, int nHashes, int bucketSize, int[][] buckets, LshBuckets.Sorted sorted,
                       boolean[][] mask, double[] sin, double[] cos, boolean causal, boolean attendAcrossBuckets,
                       boolean allowDuplicateAttention, LshDropout dropout) {}

    /**
     * Largest per-round output array [N, H*L, dh] kept from forward to backward (float32 tile path) by a reversible
     * layer's recomputation, whose backward follows at once (one layer's array alive at a time); above it, backward
     * recomputes each round's output from the saved logsumexps instead (one more q k^T, softmax and p v per chunk). An
     * eighth of the heap limit unless {@code -Dreformer4j.lsh.keepRoundOutputsMiB} sets it: at 16384 tokens (64 MiB per
     * layer) keeping it in a 600 MiB heap took 831 instead of 883 GFLOP and 25-27 instead of 27-30 s of CPU per step,
     * at the same peak RSS (bench/RESULTS.md, tenth session). Any other pass (an irreversible layer, whose arrays all
     * stay until backward) keeps at most {@link #KEEP_OTHER_BYTES}. Not final: tests set it to 0 to run the
     * recomputation.
     */
    static volatile long keepRoundOutputsBytes = keepRoundOutputsDefault();

    /** The most a pass other than a reversible layer's recomputation keeps (see {@link #keepRoundOutputsBytes}). */
    static final long KEEP_OTHER_BYTES = 32L << 20;

    /** Whether a pass keeps a per-round output array of this many bytes for backward (see {@link #keepRoundOutputsBytes}). */
    static boolean keepsRoundOutputs(long bytes, boolean recomputation) {
        return bytes <= (recomputation ? keepRoundOutputsBytes : Math.min(keepRoundOutputsBytes, KEEP_OTHER_BYTES));
    }

    private static long keepRoundOutputsDefault() {
        Long mib = Long.getLong("reformer4j.lsh.keepRoundOutputsMiB");
        return mib != null ? mib << 20 : Runtime.getRuntime().maxMemory() / 8;
    }

    private final Plan plan;
    /** Whether this forward is a reversible layer's recomputation, whose backward follows at once. */
    private final boolean recomputation;

    public LshAttentionCore(Plan plan) {
        this(plan, false);
    }

    public LshAttentionCore(Plan plan, boolean recomputation) {
        this.plan = plan;
        this.recomputation = recomputation;
    }

    @Override
    protected String name() {
        return "lshAttention";
    }

    /** What backward needs: per-position arrays, per-item logsumexps and round outputs, the round weights. */
    private static final class Saved {
        LshChunks chunks;
        Rows bo;
        double[] lse, w;
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
        Tensor qkT = in[0], vT = in[1];
        DType dt = qkT.dtype();
        boolean f32 = dt == DType.F32;
        final int n = qkT.size(0), len = qkT.size(1), dh = qkT.size(2);
        final int h = plan.nHashes(), t = plan.queryLen(), hl = h * len;
        final int[][] undo = plan.sorted().undo();
        // per-position arrays stay in the model's dtype (float32 values are exact there): no float64 copies
        Object qk = Arrays2.hostData(qkT); // read only (rotate makes a new array)
        if (plan.sin() != null) qk = rotate(qk, n, len, t, dh, plan.sin(), plan.cos(), false);
        LshChunks ch = new LshChunks(plan, dt, n, len, dh, qk, Arrays2.hostData(vT));
        double[] lse = new double[n * hl];
        Object boA = Arrays2.newArray(dt, n * hl * dh);
        Rows bo = Rows.of(boA);
        Parallel.forRange(n, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) ch.forwardRow(r, lse, boA);
        });
        // unsort and mix the rounds by their logsumexps
        Object outA = Arrays2.newArray(dt, n * t * dh);
        double[] wts = new double[n * h * t];
        float[] boF = boA instanceof float[] f ? f : null, outF = outA instanceof float[] f ? f : null;
        Parallel.forRange(n * t, 256, (from, to) -> {
            double[] lg = new double[h], out = new double[dh];
            for (int rp = from; rp < to; rp++) {
                int r = rp / t, p = rp % t;
                double mx = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < h; k++) {
                    lg[k] = lse[r * hl + undo[r][k * len + p]];
                    mx = Math.max(mx, lg[k]);
                }
                double sum = 0;
                for (int k = 0; k < h; k++) sum += Math.exp(lg[k] - mx);
                double all = round(f32, mx + Math.log(sum));
                int o = (r * t + p) * dh;
                if (boF != null) {
                    // float32: torch's sum over rounds of (o * probs), products and sums in float32
                    java.util.Arrays.fill(outF, o, o + dh, 0f);
                    for (int k = 0; k < h; k++) {
                        float wk = (float) Math.exp((float) (lg[k] - all));
                        wts[(r * h + k) * t + p] = wk;
                        int b = (r * hl + undo[r][k * len + p]) * dh;
                        mixInto(outF, o, wk, boF, b, dh);
                    }
                    continue;
                }
                java.util.Arrays.fill(out, 0.0);
                for (int k = 0; k < h; k++) {
                    double wk = round(f32, Math.exp(round(f32, lg[k] - all)));
                    wts[(r * h + k) * t + p] = wk;
                    int b = (r * hl + undo[r][k * len + p]) * dh;
                    for (int f = 0; f < dh; f++) out[f] += wk * bo.get(b + f);
                }
                if (outA instanceof float[] of) for (int f = 0; f < dh; f++) of[o + f] = (float) out[f];
                else System.arraycopy(out, 0, outA, o, dh);
            }
        });
        Saved sd = new Saved();
        sd.chunks = ch;
        sd.bo = ch.tiles() && !keepsRoundOutputs((long) n * hl * dh * 4, recomputation) ? null : bo;
        sd.lse = lse;
        sd.w = wts;
        ctx.put("saved", sd);
        return Arrays2.wrap(outA, dt, n, t, dh);
    }

    /**
     * The dense attention weights [N][T * L] the plan gives (qk, v) [N, L, dh]: a separate pass outside
     * autograd, for recording only (see {@link LshChunks#attentionRow}); dropout is not applied.
     */
    public static double[][] weights(Plan plan, Tensor qkT, Tensor vT) {
        DType dt = qkT.dtype();
        int n = qkT.size(0), len = qkT.size(1), dh = qkT.size(2), t = plan.queryLen();
        Object qk = Arrays2.hostData(qkT);
        if (plan.sin() != null) qk = rotate(qk, n, len, t, dh, plan.sin(), plan.cos(), false);
        LshChunks ch = new LshChunks(plan, dt, n, len, dh, qk, Arrays2.hostData(vT), true);
        double[][] out = new double[n][];
        Parallel.forRange(n, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) out[r] = ch.attentionRow(r);
        });
        return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Saved sd = ctx.get("saved");
        LshChunks ch = sd.chunks;
        if (ch == null) {
            throw new IllegalStateException("lshAttention: backward ran twice through the same graph; the op frees its saved "
                    + "per-position arrays after the first (run the forward again)");
        }
        DType dt = gradOutput.dtype();
        final int n = ch.n, len = ch.len, dh = ch.dh;
        final int h = plan.nHashes(), t = plan.queryLen(), hl = h * len;
        final int[][] undo = plan.sorted().undo();
        Rows g = Rows.of(Arrays2.hostData(gradOutput));
        // gradient of each round's logsumexp through the mixing weights, from g . (round output) per sorted item
        double[] gbo = sd.bo != null ? null : new double[n * hl];
        if (gbo != null) {
            float[] gF = ((FloatRows) g).data();
            Parallel.forRange(n, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) ch.roundDotsF32(r, gF, gbo);
            });
        }
        double[] dlse = new double[n * hl];
        Parallel.forRange(n * t, 256, (from, to) -> {
            double[] dw = new double[h];
            for (int rp = from; rp < to; rp++) {
                int r = rp / t, p = rp % t, o = (r * t + p) * dh;
                double sum = 0;
                for (int k = 0; k < h; k++) {
                    int b = (r * hl + undo[r][k * len + p]) * dh;
                    double d = 0;
                    if (gbo != null) d = gbo[r * hl + undo[r][k * len + p]];
                    else for (int f = 0; f < dh; f++) d += g.get(o + f) * sd.bo.get(b + f);
                    dw[k] = d;
                    sum += sd.w[(r * h + k) * t + p] * d;
                }
                for (int k = 0; k < h; k++) {
                    double wk = sd.w[(r * h + k) * t + p];
                    dlse[r * hl + undo[r][k * len + p]] = wk * (dw[k] - sum);
                }
            }
        });
        sd.bo = null;
        if (ch.tiles()) {
            // float32: each row's sums go straight into the outputs (torch's float32 backward accumulates in float32 too)
            float[] gF = ((FloatRows) g).data(), dqkF = new float[n * len * dh], dvF = new float[n * len * dh];
            Parallel.forRange(n, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) ch.backwardRowF32(r, gF, sd.w, dlse, dqkF, dvF);
            });
            release(sd);
            return new Tensor[] {Arrays2.wrap(dqkF, dt, n, len, dh), Arrays2.wrap(dvF, dt, n, len, dh)};
        }
        // row by row into the outputs in the model's dtype; each row's sums are float64 until written
        Object dqk = Arrays2.newArray(dt, n * len * dh), dv = Arrays2.newArray(dt, n * len * dh);
        Parallel.forRange(n, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                double[][] d = ch.backwardRow(r, g, sd.w, sd.lse, dlse);
                double[] dq = plan.sin() == null ? d[0] : (double[]) rotate(d[0], 1, len, t, dh, plan.sin(), plan.cos(), true);
                Arrays2.fromDoubleAt(dq, dqk, r * len * dh);
                Arrays2.fromDoubleAt(d[1], dv, r * len * dh);
            }
        });
        release(sd);
        return new Tensor[] {Arrays2.wrap(dqk, dt, n, len, dh), Arrays2.wrap(dv, dt, n, len, dh)};
    }

    /**
     * out[o, o + dh) += wk * bo[b, b + dh) in float32, product and sum each rounded (no fused multiply-add), in vector
     * lanes when the Vector API is loaded (C2 leaves the scalar loop over two float arrays scalar); the same bits.
     */
    private static void mixInto(float[] out, int o, float wk, float[] bo, int b, int dh) {
        int f = 0;
        if (VectorSupport.ENABLED) f = LshChunksF32.mixVector(out, o, wk, bo, b, dh);
        for (; f < dh; f++) out[o + f] += wk * bo[b + f];
    }

    /** Drops the saved state at the end of backward: the graph may outlive it (until the layer's scope closes). */
    private static void release(Saved sd) {
        sd.chunks = null;
        sd.lse = null;
        sd.w = null;
    }

    /** Read access to a float[] or double[] (the per-round outputs are kept in the model's dtype). */
    sealed interface Rows permits FloatRows, DoubleRows {
        double get(int i);

        static Rows of(Object a) {
            return a instanceof float[] f ? new FloatRows(f) : new DoubleRows((double[]) a);
        }
    }

    record FloatRows(float[] data) implements Rows {
        public double get(int i) {
            return data[i];
        }
    }

    record DoubleRows(double[] data) implements Rows {
        public double get(int i) {
            return data[i];
        }
    }

    /**
     * Rotary embedding of rows p < t: pair (2i, 2i+1) turned by angle p*freq_i (inverse turn when {@code back}),
     * of a float[] (each product and sum rounded to float32, as torch's float32 ops) or a double[]; returns a
     * new array of the same type.
     */
    static Object rotate(Object x, int n, int len, int t, int dh, double[] sin, double[] cos, boolean back) {
        float[] xf = x instanceof float[] f ? f : null;
        double[] xd = xf == null ? (double[]) x : null;
        boolean f32 = xf != null;
        float[] yf = f32 ? xf.clone() : null;
        double[] yd = f32 ? null : xd.clone();
        int half = dh / 2;
        Parallel.forRange(n * t, 512, (from, to) -> {
            for (int rp = from; rp < to; rp++) {
                int p = rp % t, o = (rp / t * len + p) * dh;
                for (int i = 0; i < half; i++) {
                    double sn = back ? -sin[p * half + i] : sin[p * half + i], cs = cos[p * half + i];
                    double a = f32 ? xf[o + 2 * i] : xd[o + 2 * i], b = f32 ? xf[o + 2 * i + 1] : xd[o + 2 * i + 1];
                    double u = round(f32, round(f32, a * cs) - round(f32, b * sn));
                    double w = round(f32, round(f32, b * cs) + round(f32, a * sn));
                    if (f32) {
                        yf[o + 2 * i] = (float) u;
                        yf[o + 2 * i + 1] = (float) w;
                    } else {
                        yd[o + 2 * i] = u;
                        yd[o + 2 * i + 1] = w;
                    }
                }
            }
        });
        return f32 ? yf : yd;
    }
}
