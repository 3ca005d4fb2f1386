package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Init;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.FullQkAttention;
import org.reformer4j.model.attention.LocalAttention;
import org.reformer4j.model.attention.LshAttention;
import org.reformer4j.model.attention.LshBuckets;
import org.reformer4j.model.attention.LshDecodeState;

/**
 * Shared-QK self-attention of a Reformer layer (reformer-pytorch {@code LSHSelfAttention}, R:487-592):
 * {@code toqk}, {@code tov} (no bias), optional memory slots {@code mem_kv} appended to the sequence,
 * heads merged into rows n = b*heads + head, LSH attention (or full attention when {@code useFullAttn} or
 * the length is at most {@code fullAttnThres}) on the LSH heads, windowed local attention on the first
 * {@code nLocalAttnHeads} heads, {@code to_out} with bias, post-attention dropout.
 * With encoder {@code keys} [B, C, dim] in the forward state (reformer-pytorch's {@code keys} and
 * {@code context_mask}) the key/value sequence is cat(x, mem_kv, keys) and the full-attention choice is
 * made on its length T + numMemKv + C (on the CPU and on a device).
 * With a {@link Recorder#withAttention()} the LSH heads' weights are recorded in a separate pass on the host (a
 * device layer's qk and v copied there).
 * Shapes: x [B, T, dim] -> [B, T, dim]; keep-mask [B][T].
 */
public final class LSHSelfAttention extends Module implements Branch {
    private final ReformerConfig cfg;
    private final Parameter memKv;
    private final Linear toqk, tov, toOut;
    private final LshAttention lsh;

    public LSHSelfAttention(ReformerConfig cfg, Generator g) {
        this.cfg = cfg;
        int dh = cfg.dimHead, wide = dh * cfg.heads;
        DType dt = cfg.dtype;
        memKv = cfg.numMemKv > 0 ? registerParameter("mem_kv", Init.normal(new int[] {1, cfg.numMemKv, cfg.dim}, 0, 1, dt, g)) : null;
        toqk = registerModule("toqk", new Linear(cfg.dim, wide, false, dt, g));
        tov = registerModule("tov", new Linear(cfg.dim, cfg.oneValueHead ? dh : wide, false, dt, g));
        toOut = registerModule("to_out", new Linear(wide, cfg.dim, true, dt, g));
        lsh = new LshAttention(cfg.bucketSize, cfg.nHashes, cfg.causal, cfg.lshAttendAcrossBuckets, cfg.lshAllowDuplicateAttention);
    }

    Linear toqk() {
        return toqk;
    }

    Linear tov() {
        return tov;
    }

    Linear toOut() {
        return toOut;
    }

    /** The memory slots [1, numMemKv, dim], or null. */
    Parameter memKv() {
        return memKv;
    }

    /**
     * Incremental causal full attention of the newest position over the cached positions (memory slots and a
     * decoder's encoder keys first, projected at the layer's first step): the same scores as {@link FullQkAttention}
     * gives that row (masked keys at the dtype's most negative value, never a causal mask on them), so cached
     * decoding equals re-running the prefix wherever every layer runs full attention.
     */
    @Override
    public Tensor step(Tensor x, ForwardState s, int layer, DecodeCache cache) {
        if (cache.lshLayers()) return stepLsh(x, s, layer, cache);
        int b = x.size(0), h = cfg.heads, dh = cfg.dimHead, m = cfg.numMemKv;
        Tensor[] own = headsOf(x);
        Tensor qk = own[0].reshape(b * h, 1, dh), v = own[1].reshape(b * h, 1, dh);
        Tensor slots = cache.started(layer) ? null : memoryAndKeys(b, cache.encoderKeys());
        if (slots != null) {
            Tensor[] hs = headsOf(slots);
            int n = slots.size(1);
            cache.append(layer, unit(hs[0].reshape(b * h, n, dh)), hs[1].reshape(b * h, n, dh));
        }
        cache.append(layer, unit(qk), v);
        Tensor keys = cache.keys(layer), values = cache.values(layer);
        int n = keys.size(1);
        Tensor dot = qk.matmul(keys.transpose(1, 2)).mul(Math.pow(dh, -0.5)); // [B*h, 1, n]
        dot = dot.maskedFill(cache.selfMask(n, dot.device()), org.reformer4j.model.attention.LshAttentionCore.SELF_VALUE);
        if (cache.contextMask() != null) { // torch's -finfo(dtype).max, as FullQkAttention's keep-mask writes it
            dot = dot.maskedFill(cache.keyDrop(h, m, dot.device()).narrow(2, 0, n), cfg.dtype == DType.F32 ? -Float.MAX_VALUE : -Double.MAX_VALUE);
        }
        Tensor out = org.reformer4j.core.Functional.softmax(dot, -1, false).matmul(values); // [B*h, 1, dh]
        return toOut.forward(out.reshape(b, h * dh).reshape(b, 1, h * dh));
    }

    /** The memory slots then the encoder keys, [B, numMemKv + C, dim] (either may be absent), or null when neither is. */
    private Tensor memoryAndKeys(int b, Tensor keys) {
        int m = cfg.numMemKv;
        if (m == 0) return keys;
        Tensor mem = memKv.tensor().expand(b, m, cfg.dim);
        return keys == null ? mem : Tensor.cat(List.of(mem, keys), 1);
    }

    /** qk and v of src [B, n, dim] by head, [B, h, n, dh] each (one value head: repeated over the heads). */
    private Tensor[] headsOf(Tensor src) {
        int b = src.size(0), n = src.size(1), h = cfg.heads, dh = cfg.dimHead;
        Tensor qk = toqk.forward(src).reshape(b, n, h, dh).transpose(1, 2);
        Tensor v = tov.forward(src);
        v = (cfg.oneValueHead ? v.unsqueeze(2).expand(b, n, h, dh) : v.reshape(b, n, h, dh)).transpose(1, 2);
        return new Tensor[] {qk, v};
    }

    /**
     * The keep-mask [B*sh * (numMemKv + C)] of the LSH heads' memory slots and encoder keys (the context mask over
     * the keys, memory slots always kept), or null when there is no context mask.
     */
    private static boolean[] slotKeep(boolean[][] contextMask, int b, int sh, int m, int c) {
        if (contextMask == null) return null;
        boolean[] keep = new boolean[b * sh * (m + c)];
        for (int r = 0; r < b * sh; r++) {
            java.util.Arrays.fill(keep, r * (m + c), r * (m + c) + m, true);
            System.arraycopy(contextMask[r / sh], 0, keep, r * (m + c) + m, c);
        }
        return keep;
    }

    /**
     * One position of a layer that may run LSH attention: on the LSH heads, full attention over the cache,
     * memory slots and encoder keys while the prefix length L + numMemKv + C is at most fullAttnThres, else the
     * newest position's LSH chunk windows ({@link LshDecodeState}; encoder keys are memory slots after the model's
     * own, under the context mask) with the session's rotations for the bucket count of the padded prefix
     * (2 x ceil((L + numMemKv + C) / 2bs)), the whole prefix re-hashed when that count changes; on the first
     * nLocalAttnHeads heads, causal local attention over its window and the one before (no slots, no keys). The
     * states live on the host: a device model's step projects there and copies the position's qk and v over (B x
     * heads x dh numbers each) and its attention output back.
     */
    private Tensor stepLsh(Tensor x, ForwardState s, int layer, DecodeCache cache) {
        int b = x.size(0), h = cfg.heads, dh = cfg.dimHead, lh = cfg.nLocalAttnHeads, sh = h - lh;
        Tensor qkH = toqk.forward(x).reshape(b, h, dh);
        Tensor v = tov.forward(x);
        Tensor vH = cfg.oneValueHead ? v.reshape(b, 1, dh).expand(b, h, dh) : v.reshape(b, h, dh);
        double[] out = sh == 0 ? new double[0]
                : lshHeads(qkH.narrow(1, lh, sh).contiguous().reshape(b * sh, 1, dh), vH.narrow(1, lh, sh).contiguous().toDoubleArray(),
                        b, s, layer, cache);
        if (lh > 0) {
            LshDecodeState loc = cache.localState(layer, () -> newLocalState(b * lh, cache));
            loc.append(qkH.narrow(1, 0, lh).contiguous().toDoubleArray(), vH.narrow(1, 0, lh).contiguous().toDoubleArray());
            double[] lo = loc.attendLocal(2 * cfg.bucketSize), all = new double[b * h * dh];
            for (int i = 0; i < b; i++) { // heads in the forward's order: local first
                System.arraycopy(lo, i * lh * dh, all, i * h * dh, lh * dh);
                System.arraycopy(out, i * sh * dh, all, (i * h + lh) * dh, sh * dh);
            }
            out = all;
        }
        return toOut.forward(Tensor.of(out, b, 1, h * dh).to(cfg.dtype).to(x.device()));
    }

    /** The LSH heads' outputs [B*sh, dh] of the newest position, given its qk [B*sh, 1, dh] and v [B*sh * dh]. */
    private double[] lshHeads(Tensor qk, double[] v, int b, ForwardState s, int layer, DecodeCache cache) {
        int h = cfg.heads, sh = h - cfg.nLocalAttnHeads, dh = cfg.dimHead, rows = b * sh, hashes = s.nHashes;
        int m = cfg.numMemKv + cache.keyLength(); // memory slots and encoder keys: the state's slots after the tokens
        LshDecodeState st = cache.lshState(layer, () -> {
            var made = newLshState(rows, hashes, cache);
            Tensor slots = memoryAndKeys(b, cache.encoderKeys());
            if (slots != null) { // projected once per cache and layer
                int lh = cfg.nLocalAttnHeads;
                Tensor[] hs = headsOf(slots);
                made.setMemory(hs[0].narrow(1, lh, sh).contiguous().toDoubleArray(), hs[1].narrow(1, lh, sh).contiguous().toDoubleArray());
                made.setMemoryMask(slotKeep(cache.contextMask(), b, sh, cfg.numMemKv, cache.keyLength()));
            }
            return made;
        });
        if (st.rows() != rows || st.hashes() != hashes) {
            throw new IllegalArgumentException("LSHSelfAttention.step: layer " + layer + " was started with " + st.rows() + " rows and "
                    + st.hashes() + " hash rounds, this step has " + rows + " and " + hashes + " (make a new DecodeCache)");
        }
        st.append(qk.toDoubleArray(), v);
        int len = st.length();
        if (cfg.useFullAttn || len + m <= cfg.fullAttnThres) return st.attendFull();
        int nb = 2 * Math.ceilDiv(len + m, 2 * cfg.bucketSize);
        int[] shape = {cfg.randomRotationsPerHead ? rows : 1, dh, hashes, nb / 2};
        Tensor rot = cache.rotations(layer, nb, () -> s.rotations.rotations(layer, shape, cfg.dtype));
        if (st.bucketCount() != nb) {
            Tensor all = Tensor.of(st.rawPrefix(), rows, len + m, dh).to(cfg.dtype);
            st.setBuckets(nb, LshBuckets.hash(all, rot, hashes, nb));
        } else {
            st.setNewestBuckets(nb, LshBuckets.hash(qk.to(org.reformer4j.core.Device.CPU), rot, hashes, nb));
        }
        return st.attendLsh();
    }

    /** An empty decode state of the LSH heads (memory slots and encoder keys set by the caller). */
    private LshDecodeState newLshState(int rows, int hashes, DecodeCache cache) {
        return new LshDecodeState(rows, cfg.dimHead, cache.capacity(), cfg.numMemKv + cache.keyLength(), cfg.bucketSize, hashes,
                cfg.lshAttendAcrossBuckets, cfg.lshAllowDuplicateAttention, cfg.dtype, cache.rotaryFrequencies());
    }

    /** An empty decode state of the local heads (one round, no memory slots, no rotary turn). */
    private LshDecodeState newLocalState(int rows, DecodeCache cache) {
        return new LshDecodeState(rows, cfg.dimHead, cache.capacity(), 0, cfg.bucketSize, 1, true, true, cfg.dtype, null);
    }

    /**
     * Hands a prefill's cache this layer's projections of the prompt (forward of {@link ReformerLM#prefill}): qkH, vH
     * [B, h, t + m, dh] of the padded prompt (t positions), the memory slots and the cache's encoder keys (m of both);
     * the first {@code p.length()} positions go to the layer's LSH-head and local-head states as if appended one by one,
     * the slots as the step sets them (with the keys' mask), and the forward's buckets ([B*sh][H*(t + m)], null when it
     * ran full attention) for those positions and slots.
     */
    private void fillCache(ForwardState.Prefill p, ForwardState s, int layer, int t, Tensor qkH, Tensor vH, int[][] buckets) {
        DecodeCache cache = p.cache();
        int b = qkH.size(0), h = cfg.heads, lh = cfg.nLocalAttnHeads, sh = h - lh, c = cache.keyLength(), m = cfg.numMemKv + c;
        int t0 = p.length(), hashes = s.nHashes;
        if (qkH.size(2) != t + m) {
            throw new IllegalStateException("LSHSelfAttention.prefill: layer " + layer + " ran " + qkH.size(2) + " key positions; the cache's "
                    + t + " positions, " + cfg.numMemKv + " memory slots and " + c + " encoder keys make " + (t + m));
        }
        if (sh > 0) {
            LshDecodeState st = cache.lshState(layer, () -> newLshState(b * sh, hashes, cache));
            if (st.length() != 0) {
                throw new IllegalStateException("LSHSelfAttention.prefill: layer " + layer + " already holds " + st.length()
                        + " positions (make a new DecodeCache)");
            }
            Tensor qkL = qkH.narrow(1, lh, sh), vL = vH.narrow(1, lh, sh);
            if (m > 0) {
                st.setMemory(qkL.narrow(2, t, m).contiguous().toDoubleArray(), vL.narrow(2, t, m).contiguous().toDoubleArray());
                st.setMemoryMask(slotKeep(cache.contextMask(), b, sh, cfg.numMemKv, c));
            }
            st.append(qkL.narrow(2, 0, t0).contiguous().toDoubleArray(), vL.narrow(2, 0, t0).contiguous().toDoubleArray(), t0);
            if (buckets != null) {
                int nb = lsh.buckets(t + m), n = t0 + m;
                if (nb != 2 * Math.ceilDiv(n, 2 * cfg.bucketSize)) {
                    throw new IllegalStateException("LSHSelfAttention.prefill: layer " + layer + " hashed " + (t + m) + " positions into " + nb
                            + " buckets; the cache's " + t0 + " positions and " + m + " memory slots and keys need "
                            + 2 * Math.ceilDiv(n, 2 * cfg.bucketSize));
                }
                int[][] kept = new int[b * sh][hashes * n];
                for (int r = 0; r < b * sh; r++) {
                    for (int k = 0; k < hashes; k++) {
                        System.arraycopy(buckets[r], k * (t + m), kept[r], k * n, t0);
                        System.arraycopy(buckets[r], k * (t + m) + t, kept[r], k * n + t0, m);
                    }
                }
                st.setBuckets(nb, kept);
            }
        }
        if (lh > 0) {
            LshDecodeState loc = cache.localState(layer, () -> newLocalState(b * lh, cache));
            if (loc.length() != 0) {
                throw new IllegalStateException("LSHSelfAttention.prefill: layer " + layer + "'s local heads already hold " + loc.length()
                        + " positions (make a new DecodeCache)");
            }
            loc.append(qkH.narrow(1, 0, lh).narrow(2, 0, t0).contiguous().toDoubleArray(),
                    vH.narrow(1, 0, lh).narrow(2, 0, t0).contiguous().toDoubleArray(), t0);
        }
    }

    private static Tensor unit(Tensor t) {
        return t.div(t.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
    }

    @Override
    public Tensor apply(Tensor x, ForwardState s, int layer) {
        Tensor keys = s.keys();
        int b = x.size(0), t = x.size(1), m = cfg.numMemKv, c = keys == null ? 0 : keys.size(1), len = t + m + c;
        int h = cfg.heads, dh = cfg.dimHead, lh = cfg.nLocalAttnHeads, sh = h - lh;
        boolean recordAttn = s.recorder != null && s.recorder.attentionOn();
        // the key/value sequence is cat(x, memory slots, keys); queries are the first t rows
        Tensor xm = x;
        if (m > 0 || c > 0) {
            List<Tensor> parts = new java.util.ArrayList<>(List.of(x));
            if (m > 0) parts.add(memKv.tensor().expand(b, m, cfg.dim));
            if (c > 0) parts.add(keys);
            xm = Tensor.cat(parts, 1);
        }
        Tensor qk = toqk.forward(xm);
        Tensor v = tov.forward(xm);
        boolean full = cfg.useFullAttn || len <= cfg.fullAttnThres; // reformer-pytorch decides on the whole kv length
        if (full && lh == 0 && !cfg.oneValueHead && !recordAttn && s.prefill() == null) {
            // the fused op reads the heads in place in [B, L, h*dh] and writes them merged: no split or merge copies
            Tensor merged = FullQkAttention.attendHeads(qk, v, h, t, rowMask(s, b, sh, t, m, c), cfg.causal, fullDropout(s, layer));
            if (merged != null) return s.dropout(toOut.forward(merged), cfg.postAttnDropout, s.replay(layer, 0));
        }
        if (cfg.oneValueHead) v = v.unsqueeze(2).expand(b, len, h, dh).reshape(b, len, h * dh);
        Tensor qkH = qk.reshape(b, len, h, dh).transpose(1, 2); // [B, h, L, dh]
        Tensor vH = v.reshape(b, len, h, dh).transpose(1, 2);
        Tensor qkL = qkH.narrow(1, lh, sh).contiguous().reshape(b * sh, len, dh);
        Tensor vL = vH.narrow(1, lh, sh).contiguous().reshape(b * sh, len, dh);
        boolean[][] mask = rowMask(s, b, sh, t, m, c);
        Tensor out;
        ForwardState.Replay replay = s.replay(layer, 0);
        int[][] hashed = null; // the LSH heads' buckets of this pass (for a prefill)
        if (full) {
            out = FullQkAttention.attend(qkL, vL, t, mask, cfg.causal, fullDropout(s, layer));
            if (recordAttn && !replay.replaying()) {
                s.recorder.recordAttention(layer, dense(FullQkAttention.weights(qkL, t, mask, cfg.causal).toDoubleArray(), b, sh, t, len));
            }
        } else if (!qkL.device().isCpu()) {
            var res = LshOnDevice.attend(lsh, cfg, qkL, vL, b, sh, t, m, layer, s, replay);
            out = res.out();
            hashed = res.hostBuckets(); // non-null for a prefill (and a recorder)
            if (recordAttn && !replay.replaying()) { // on the host, from copies (a debugging aid)
                Tensor qh = qkL.to(org.reformer4j.core.Device.CPU), vh = vL.to(org.reformer4j.core.Device.CPU);
                recordLsh(s, layer, lsh.weights(qh, vh, t, s.nHashes, res.hostBuckets(), mask, s.rotary), b, sh, t, len);
            }
        } else {
            int[][] buckets = replay.recordedBuckets();
            int hashes = s.nHashes;
            Tensor rot = null;
            if (buckets == null) {
                int nb = lsh.buckets(len);
                int[] shape = {cfg.randomRotationsPerHead ? b * sh : 1, dh, hashes, nb / 2};
                // outside any scope: a caller's source may keep the tensors it hands out
                rot = org.reformer4j.core.Scope.detached(() -> s.rotations.rotations(layer, shape, cfg.dtype));
            }
            var drop = s.lshDropout((long) b * sh * hashes * len * 2 * cfg.bucketSize, cfg.lshDropout, cfg.dtype, replay);
            var res = lsh.forward(qkL, vL, t, hashes, rot, buckets, mask, s.rotary, drop, replay.replaying());
            replay.recordBuckets(res.buckets());
            hashed = res.buckets();
            if (s.recorder != null && !replay.replaying()) s.recorder.record(layer, res.buckets());
            if (recordAttn && !replay.replaying()) recordLsh(s, layer, lsh.weights(qkL, vL, t, hashes, res.buckets(), mask, s.rotary), b, sh, t, len);
            out = res.out();
        }
        if (s.prefill() != null && !replay.replaying()) fillCache(s.prefill(), s, layer, t, qkH, vH, hashed);
        out = out.reshape(b, sh, t, dh);
        if (lh > 0) {
            Tensor lq = qkH.narrow(1, 0, lh).narrow(2, 0, t).contiguous().reshape(b * lh, t, dh);
            Tensor lv = vH.narrow(1, 0, lh).narrow(2, 0, t).contiguous().reshape(b * lh, t, dh);
            boolean[][] lmask = null;
            if (s.inputMask != null) {
                lmask = new boolean[b * lh][];
                for (int r = 0; r < b * lh; r++) lmask[r] = s.inputMask[r / lh];
            }
            Tensor lo = LocalAttention.forward(lq, lv, 2 * cfg.bucketSize, cfg.causal, lmask, p -> s.dropout(p, cfg.lshDropout, replay));
            out = Tensor.cat(List.of(lo.reshape(b, lh, t, dh), out), 1);
        }
        out = out.transpose(1, 2).reshape(b, t, h * dh);
        return s.dropout(toOut.forward(out), cfg.postAttnDropout, replay);
    }

    /** The full attention's dropout of this pass (null when none): its Philox blocks drawn through the layer's replay. */
    private FullQkAttention.Dropout fullDropout(ForwardState s, int layer) {
        if (!s.training || cfg.lshDropout == 0) return null;
        ForwardState.Replay replay = s.replay(layer, 0);
        return new FullQkAttention.Dropout(cfg.lshDropout, s.generator.seed(), s.generator.stream(), blocks -> replay.draw(s.generator, blocks));
    }

    /** Hands the recorder an LSH layer's weights, one [T*L] row per n = b*sh + head, as [B][sh][T][L]. */
    private static void recordLsh(ForwardState s, int layer, double[][] w, int b, int sh, int t, int len) {
        double[] flat = new double[b * sh * t * len];
        for (int r = 0; r < w.length; r++) System.arraycopy(w[r], 0, flat, r * t * len, t * len);
        s.recorder.recordAttention(layer, dense(flat, b, sh, t, len));
    }

    /** Weights [B*sh*T*L] (row n = b*sh + head) as [B][sh][T][L]. */
    private static float[][][][] dense(double[] w, int b, int sh, int t, int len) {
        float[][][][] out = new float[b][sh][t][len];
        for (int i = 0; i < b; i++) {
            for (int hd = 0; hd < sh; hd++) {
                for (int q = 0; q < t; q++) {
                    int o = ((i * sh + hd) * t + q) * len;
                    for (int k = 0; k < len; k++) out[i][hd][q][k] = (float) w[o + k];
                }
            }
        }
        return out;
    }

    /**
     * The keep-mask [B*sh][t + m + c] of the LSH heads' rows: the input mask over x, true over the memory
     * slots, the context mask over the keys (true where either is absent); null when both are absent.
     */
    private static boolean[][] rowMask(ForwardState s, int b, int sh, int t, int m, int c) {
        if (s.inputMask == null && s.contextMask == null) return null;
        boolean[][] mask = new boolean[b * sh][t + m + c];
        for (int r = 0; r < b * sh; r++) {
            java.util.Arrays.fill(mask[r], true);
            if (s.inputMask != null) System.arraycopy(s.inputMask[r / sh], 0, mask[r], 0, t);
            if (s.contextMask != null) System.arraycopy(s.contextMask[r / sh], 0, mask[r], t + m, c);
        }
        return mask;
    }
}
