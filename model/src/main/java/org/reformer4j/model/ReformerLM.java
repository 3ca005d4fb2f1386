package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Embedding;
import org.reformer4j.core.nn.Identity;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.nn.Sequential;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.RotaryTable;

/**
 * The Reformer language model (reformer-pytorch {@code ReformerLM}, R:716-759): token embedding (+ axial,
 * absolute or fixed positional embedding, in {@code embDim} space), {@code to_model_dim}, the
 * {@link Reformer} trunk with rotary layer positions (buffer {@code layer_pos_emb.inv_freq}, only when no
 * absolute-style embedding is set), final LayerNorm, and {@code out} = [Linear(dim, embDim) or Identity,
 * Linear(embDim, numTokens) or the normalised tied embedding]. Parameter and buffer names are
 * reformer-pytorch's {@code state_dict()} names. Input masks mean true = keep. After {@link #to(Device)} the
 * whole pass runs on that device (ids and mask given on the host are copied there first).
 * Shapes: ids [B, T] (int) -> logits [B, T, numTokens] (or [B, T, dim] with {@code returnEmbeddings}).
 */
public final class ReformerLM extends Module {
    private final ReformerConfig cfg;
    private final Embedding tokenEmb;
    private final Module toModelDim, posEmb, out;
    private final Reformer reformer;
    private final org.reformer4j.core.nn.LayerNorm norm;
    private final Generator random;
    private RotationSource rotations;
    private int nHashes;
    /** Rotary sin/cos [T, dh/2] already on the model's device, by length T (made once per length). */
    private final java.util.Map<Integer, Tensor[]> rotaryOnDevice = new java.util.HashMap<>();

    public ReformerLM(ReformerConfig cfg) {
        this.cfg = cfg;
        Generator g = new Generator(cfg.seed, 0);
        random = new Generator(cfg.seed, 1);
        rotations = RotationSource.of(random);
        nHashes = cfg.nHashes;
        DType dt = cfg.dtype;
        tokenEmb = registerModule("token_emb", new Embedding(cfg.numTokens, cfg.embDim, dt, g));
        toModelDim = cfg.embDim == cfg.dim ? new Identity() : registerModule("to_model_dim", new Linear(cfg.embDim, cfg.dim, true, dt, g));
        if (cfg.axialPositionEmb) posEmb = registerModule("pos_emb", new PositionalEmbeddings.Axial(cfg.embDim, cfg.axialPositionShape, dt, g));
        else if (cfg.absolutePositionEmb) posEmb = registerModule("pos_emb", new PositionalEmbeddings.Absolute(cfg.embDim, cfg.maxSeqLen, dt, g));
        else if (cfg.fixedPositionEmb) posEmb = registerModule("pos_emb", new PositionalEmbeddings.Fixed(cfg.embDim, dt));
        else posEmb = null;
        if (cfg.usesRotary()) registerModule("layer_pos_emb", new PositionalEmbeddings.Fixed(cfg.dimHead, dt));
        reformer = registerModule("reformer", new Reformer(cfg, g));
        norm = registerModule("norm", new org.reformer4j.core.nn.LayerNorm(new int[] {cfg.dim}, 1e-5, true, dt));
        if (cfg.returnEmbeddings) {
            out = new Identity();
        } else {
            Module first = cfg.embDim != cfg.dim ? new Linear(cfg.dim, cfg.embDim, true, dt, g) : new Identity();
            Module second = cfg.weightTieEmbedding ? new TiedOutput(tokenEmb.weight()) : new Linear(cfg.embDim, cfg.numTokens, true, dt, g);
            out = registerModule("out", new Sequential(first, second));
        }
    }

    /** Logits of the normalised tied embedding: {@code z @ (E / ||E||_rows)^T}, no bias (R:119-132). */
    static final class TiedOutput extends Module {
        private final Parameter e;

        TiedOutput(Parameter e) {
            this.e = registerParameter("tensor", e);
        }

        @Override
        public Tensor forward(Tensor z) {
            Tensor w = e.tensor();
            Tensor n = w.norm(new int[] {1}, true).clamp(1e-12, Double.MAX_VALUE);
            return z.matmul(w.div(n).t());
        }
    }

    public ReformerConfig config() {
        return cfg;
    }

    /** Replaces where LSH rotations come from (null restores the model's own generator). */
    public void setRotationSource(RotationSource source) {
        rotations = source == null ? RotationSource.of(random) : source;
    }

    /** Changes the number of hash rounds used from now on (inference), without touching parameters. */
    public void setNumHashes(int n) {
        if (n < 1) throw new IllegalArgumentException("ReformerLM.setNumHashes: need >= 1 round, got " + n);
        nHashes = n;
    }

    public int numHashes() {
        return nHashes;
    }

    /** The model's random stream (rotations, dropout, layer dropout). */
    public Generator generator() {
        return random;
    }

    /** The longest model input: maxSeqLen padded as the Autopadder would. */
    public int maxModelLength() {
        int m = 2 * cfg.bucketSize;
        return Math.ceilDiv(cfg.maxSeqLen + cfg.numMemKv, m) * m - cfg.numMemKv;
    }

    public Tensor forward(Tensor ids, Tensor inputMask) {
        return forward(ids, inputMask, null);
    }

    /**
     * Logits for ids [B, T]; {@code inputMask} [B, T] bool (true = keep) or null; {@code recorder} may be null.
     * On an accelerator, ids and mask on the host are checked there and copied over; nothing is read back
     * (ids already on the device are range-checked by the embedding instead), except a device mask when a
     * layer runs full or local attention, which builds its masks on the host.
     */
    public Tensor forward(Tensor ids, Tensor inputMask, Recorder recorder) {
        return forward(ids, inputMask, null, null, recorder);
    }

    /**
     * Logits for ids [B, T] whose every attention layer also attends to {@code keys} [B, C, dim] (an encoder's
     * output; reformer-pytorch's {@code keys}), kept where {@code contextMask} [B, C] (bool, true = keep; null =
     * all) is true. The key/value sequence is cat(x, memory slots, keys): LSH layers need T + numMemKv + C to be a
     * multiple of 2 x bucketSize (the {@link Autopadder} pads for it). On a device the keys are moved to it (if they
     * are not there) and the context mask is uploaded with the layers' masks. {@code keys} null is
     * {@link #forward(Tensor, Tensor, Recorder)}.
     */
    public Tensor forward(Tensor ids, Tensor inputMask, Tensor keys, Tensor contextMask, Recorder recorder) {
        return forward(ids, inputMask, keys, contextMask, recorder, null, 0);
    }

    /**
     * The forward; with a {@code prefill} cache it runs in eval mode, its layers hash with the cache's session
     * rotations and hand the cache the first {@code prefillLength} positions' projections.
     */
    private Tensor forward(Tensor ids, Tensor inputMask, Tensor keys, Tensor contextMask, Recorder recorder, DecodeCache prefill,
                           int prefillLength) {
        checkIds(ids, keys == null ? 0 : keys.size(1));
        if (keys == null && contextMask != null) throw new IllegalArgumentException("ReformerLM: a context mask was given without keys");
        boolean[][] context = keys == null ? null : checkKeys(ids.size(0), keys, contextMask);
        Device device = device();
        ids = ids.to(device);
        int b = ids.size(0), t = ids.size(1);
        boolean[][] mask = null;
        Tensor deviceMask = null;
        // recorded attention weights are computed on the host (a debugging aid): the host mask and rotary table too
        boolean hostAttention = recorder != null && recorder.attentionOn() && !device.isCpu();
        if (inputMask != null) {
            if (!java.util.Arrays.equals(inputMask.shape(), ids.shape())) {
                throw new IllegalArgumentException("ReformerLM: input mask of shape " + Shape.str(inputMask.shape())
                        + " does not match ids " + Shape.str(ids.shape()));
            }
            if (inputMask.device().isCpu() || needsHostMask(t + (keys == null ? 0 : keys.size(1))) || hostAttention) {
                boolean[] flat = inputMask.toBoolArray();
                mask = new boolean[b][t];
                for (int i = 0; i < b; i++) System.arraycopy(flat, i * t, mask[i], 0, t);
            }
            if (!device.isCpu()) deviceMask = inputMask.to(DType.BOOL).to(device);
        }
        Tensor x = tokenEmb.forward(ids);
        if (posEmb != null) x = x.add(((PositionalEmbeddings.Positional) posEmb).embed(t).to(x.device()));
        x = toModelDim.forward(x);
        RotaryTable rotary = null;
        Tensor[] sinCos = {null, null};
        if (cfg.usesRotary() && (device.isCpu() || hostAttention)) {
            rotary = RotaryTable.of(((PositionalEmbeddings.Fixed) module("layer_pos_emb")).invFreq(), t, cfg.dtype);
        }
        if (cfg.usesRotary() && !device.isCpu()) sinCos = rotaryOnDevice(t, device);
        // the keys' keep-mask goes over once per pass (the LSH layers widen it with the input mask on the device)
        Tensor deviceContext = device.isCpu() || contextMask == null ? null : contextMask.to(DType.BOOL).to(device);
        var onDevice = device.isCpu() ? null : new ForwardState.OnDevice(deviceMask, sinCos[0], sinCos[1], deviceContext);
        RotationSource source = rotations;
        if (prefill != null) {
            // the forward hashes with the rotations the cache's steps will use: drawn once per (layer, bucket count)
            RotationSource base = rotations;
            source = (layer, shape, dtype) -> prefill.rotations(layer, 2 * shape[3], () -> base.rotations(layer, shape, dtype));
        }
        Tensor kv = keys == null || keys.device().equals(device) ? keys : keys.to(device);
        var state = new ForwardState(cfg.depth, mask, rotary, source, random, prefill == null && isTraining(), nHashes, recorder, onDevice,
                kv, context);
        if (prefill != null) state.capture(prefill, prefillLength);
        x = reformer.forward(x, state);
        x = norm.forward(x);
        return out.forward(x);
    }

    /** Whether some layer runs full or local attention at length t (their masks are built on the host). */
    /** Whether a layer builds its masks on the host: full attention (t counts the encoder keys) or local heads. */
    private boolean needsHostMask(int t) {
        return cfg.useFullAttn || t + cfg.numMemKv <= cfg.fullAttnThres || cfg.nLocalAttnHeads > 0;
    }

    /**
     * The rotary table of length t on {@code device} as float32 sin, cos [t, dh/2]: computed on the host as
     * the CPU path computes it (one read of the {@code inv_freq} buffer) and copied over once per length, so a
     * training step at a length seen before copies nothing.
     */
    private Tensor[] rotaryOnDevice(int t, Device device) {
        Tensor[] sc = rotaryOnDevice.get(t);
        if (sc != null && sc[0].device().equals(device)) return sc;
        var lpe = (PositionalEmbeddings.Fixed) module("layer_pos_emb");
        RotaryTable r = RotaryTable.of(lpe.invFreq(), t, cfg.dtype);
        int half = r.dimHead() / 2;
        float[] sin = new float[r.sin().length], cos = new float[r.cos().length];
        for (int i = 0; i < sin.length; i++) {
            sin[i] = (float) r.sin()[i];
            cos[i] = (float) r.cos()[i];
        }
        Tensor[] made = Scope.detached(() -> new Tensor[] {Tensor.of(sin, t, half).to(device), Tensor.of(cos, t, half).to(device)});
        rotaryOnDevice.put(t, made);
        return made;
    }

    /** Moves parameters and buffers to {@code device} (see {@link Module#to}); returns this. */
    @Override
    public ReformerLM to(Device device) {
        rotaryOnDevice.clear();
        super.to(device);
        return this;
    }

    /**
     * True when {@link #step} can decode this model: a causal model whose layers run full attention at every
     * length up to {@code maxSeqLen} (then a step reproduces {@link #forward} exactly), or whose layers may run
     * LSH attention or have local heads (see {@link DecodeCache} for what the LSH step reproduces; on a device their
     * states stay on the host).
     */
    public boolean supportsDecodeCache() {
        return decodeRefusal(0) == null;
    }

    /**
     * {@link #supportsDecodeCache()} for a decoder attending to encoder {@code keys} [B, C, dim] (null: none): full
     * attention then needs maxSeqLen + numMemKv + C <= fullAttnThres.
     */
    public boolean supportsDecodeCache(Tensor keys) {
        return decodeRefusal(keyLength(keys)) == null;
    }

    private static int keyLength(Tensor keys) {
        return keys == null || keys.rank() != 3 ? 0 : keys.size(1);
    }

    /** Whether every layer runs full attention at every length up to maxSeqLen, with c encoder keys. */
    private boolean allFullAttention(int c) {
        return cfg.useFullAttn || cfg.maxSeqLen + cfg.numMemKv + c <= cfg.fullAttnThres;
    }

    /** Why {@link #step} cannot decode this model (with c encoder keys), or null when it can. */
    private String decodeRefusal(int c) {
        if (!cfg.causal) return "the model is not causal";
        return null;
    }

    /** An empty cache for {@link #step}: on flat arrays where {@link FlatDecoder} covers the model, else tensors. */
    public DecodeCache newDecodeCache() {
        return newDecodeCache(true);
    }

    /** An empty cache; {@code flat = false} keeps every step on tensor ops (the reference for the flat decoder). */
    DecodeCache newDecodeCache(boolean flat) {
        return newDecodeCache(null, null, flat);
    }

    /**
     * An empty cache for {@link #step} of a decoder attending to encoder {@code keys} [B, C, dim] kept where
     * {@code contextMask} [B, C] (bool, true = keep; null = all) is true, as {@link #forward(Tensor, Tensor, Tensor,
     * Tensor, Recorder)} attends to them: every layer projects them once, at its first step, and holds them as memory
     * slots after its own; the cache belongs to these keys (a copy) and their B rows (one generate call). Full
     * attention covers the model when maxSeqLen + numMemKv + C <= fullAttnThres (or useFullAttn), else LSH states on
     * the host (for a model on a device too; the keys are copied to the model's device). {@code keys} null is
     * {@link #newDecodeCache()}.
     */
    public DecodeCache newDecodeCache(Tensor keys, Tensor contextMask) {
        return newDecodeCache(keys, contextMask, true);
    }

    DecodeCache newDecodeCache(Tensor keys, Tensor contextMask, boolean flat) {
        boolean[][] rows = null;
        if (keys == null && contextMask != null) throw new IllegalArgumentException("ReformerLM: a context mask was given without keys");
        if (keys != null && keys.rank() != 3) {
            throw new IllegalArgumentException("ReformerLM.newDecodeCache: keys must be [B, C, dim = " + cfg.dim + "], got " + Shape.str(keys.shape()));
        }
        int c = keyLength(keys);
        String why = decodeRefusal(c);
        if (why != null) {
            throw new IllegalStateException("ReformerLM: no incremental decoding for this model: " + why + " (covered: causal models)");
        }
        if (keys != null) rows = checkKeys(keys.size(0), keys, contextMask);
        DecodeCache cache;
        if (allFullAttention(c) && cfg.nLocalAttnHeads == 0) {
            cache = new DecodeCache(cfg.depth, cfg.numMemKv + c + cfg.maxSeqLen, flat ? FlatDecoder.of(this, c) : null);
        } else {
            cache = new DecodeCache(cfg.depth, cfg.maxSeqLen, null, true);
            if (cfg.usesRotary()) cache.rotaryFrequencies(((PositionalEmbeddings.Fixed) module("layer_pos_emb")).invFreq());
        }
        if (keys != null) cache.bindKeys(keys.device().equals(device()) ? keys : keys.to(device()), contextMask, rows);
        return cache;
    }

    /**
     * Logits [B, 1, V] of the next position given its token ids [B, 1], reading and extending {@code cache}
     * (run in no-grad, eval mode).
     */
    public Tensor step(Tensor ids, DecodeCache cache) {
        checkIds(ids);
        if (ids.size(1) != 1) throw new IllegalArgumentException("ReformerLM.step: ids must be [B, 1] (one new position), got " + Shape.str(ids.shape()));
        cache.checkBatch(ids.size(0));
        int p = cache.length();
        if (p >= cfg.maxSeqLen) {
            throw new IllegalArgumentException("ReformerLM.step: position " + p + " is beyond maxSeqLen " + cfg.maxSeqLen);
        }
        if (cache.isFlat()) {
            int b = ids.size(0), v = cfg.numTokens;
            float[][] rows = new float[b][v];
            cache.flatStep(ids.toLongArray(), rows);
            cache.advance();
            float[] all = new float[b * v];
            for (int i = 0; i < b; i++) System.arraycopy(rows[i], 0, all, i * v, v);
            return Tensor.of(all, b, 1, v);
        }
        ids = ids.to(device());
        Tensor x = tokenEmb.forward(ids);
        if (posEmb != null) x = x.add(((PositionalEmbeddings.Positional) posEmb).embed(p + 1).narrow(1, p, 1).to(x.device()));
        x = toModelDim.forward(x);
        var state = new ForwardState(cfg.depth, null, null, rotations, random, false, nHashes, null);
        x = reformer.step(x, state, cache);
        cache.advance();
        return out.forward(norm.forward(x));
    }

    /**
     * Fills an empty {@code cache} with a prompt ids [B, t0] (t0 <= maxSeqLen) and returns the logits [B, 1, V] of
     * its last position, as {@link #step} returns them; then {@link #step} continues at position t0. Runs in
     * no-grad, eval mode. A cache on {@link org.reformer4j.model.attention.LshDecodeState}s (models with LSH layers
     * or local heads) is filled from one forward over the prompt, padded as the {@link Autopadder} pads it (and, where
     * t0 fits fullAttnThres but t0 + numMemKv does not, to the length the LSH layers need): the logits are that
     * forward's, each layer keeps the real positions' projections, the memory slots and the forward's buckets, which
     * are hashed with the cache's session rotations (see {@link DecodeCache}); a cache bound to encoder keys runs that
     * forward with them (padded as the Autopadder pads t0 + numMemKv + C). Other caches (full attention, flat)
     * step through the prompt one position at a time, which equals that forward there; so does a model with local
     * heads whose padded prompt is not a multiple of their window 2 x bucketSize (memory slots beside local heads, or
     * a prompt under fullAttnThres), which has no forward.
     */
    public Tensor prefill(Tensor ids, DecodeCache cache) {
        checkIds(ids);
        int b = ids.size(0), t0 = ids.size(1), m = cfg.numMemKv, c = cache.keyLength();
        if (t0 > cfg.maxSeqLen) {
            throw new IllegalArgumentException("ReformerLM.prefill: prompt of " + t0 + " tokens exceeds maxSeqLen " + cfg.maxSeqLen);
        }
        if (cache.length() != 0) {
            throw new IllegalArgumentException("ReformerLM.prefill: the cache already holds " + cache.length()
                    + " positions (a prefill starts an empty cache; continue with step)");
        }
        cache.checkBatch(b);
        // the Autopadder's rule, and padding wherever the LSH layers take the prompt with its memory slots; with encoder
        // keys the Autopadder's rule on t0 + m + c (which covers the second)
        boolean pad = c > 0 ? t0 + m + c > cfg.fullAttnThres : t0 > cfg.fullAttnThres || (!cfg.useFullAttn && t0 + m > cfg.fullAttnThres);
        int m2 = 2 * cfg.bucketSize, t = pad ? Math.ceilDiv(t0 + m + c, m2) * m2 - m - c : t0;
        try (var ng = GradMode.noGrad()) {
            // local heads run on windows of 2 bs: a padded prompt of another length (memory slots beside local heads, or
            // a short prompt under fullAttnThres) has no forward; it is stepped through as other caches are
            if (!cache.lshLayers() || (cfg.nLocalAttnHeads > 0 && t % m2 != 0)) {
                Tensor last = null;
                for (int p = 0; p < t0; p++) last = step(ids.narrow(1, p, 1).contiguous(), cache);
                return last;
            }
            Tensor x = ids, mask = null;
            if (pad) {
                boolean[] keep = new boolean[b * t];
                for (int i = 0; i < b; i++) java.util.Arrays.fill(keep, i * t, i * t + t0, true);
                mask = Tensor.of(keep, b, t);
                if (t > t0) x = Tensor.cat(List.of(x, Tensor.zeros(new int[] {b, t - t0}, ids.dtype(), ids.device())), 1);
            }
            Tensor logits = forward(x, mask, cache.encoderKeys(), cache.contextMaskTensor(), null, cache, t0);
            cache.filled(t0);
            return logits.narrow(1, t0 - 1, 1).contiguous();
        }
    }

    /**
     * {@link #step} on a flat cache for generation, without tensors: ids [B] (checked), the logits of each row
     * into {@code out[row]} (length V, reused by the caller).
     */
    void stepInto(long[] ids, DecodeCache cache, float[][] out) {
        if (!cache.isFlat()) throw new IllegalStateException("ReformerLM.stepInto: the cache is not flat (use step)");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= cfg.numTokens) {
                throw new IndexOutOfBoundsException("ReformerLM: token id " + ids[i] + " at [" + i + ", 0] is outside [0, numTokens = "
                        + cfg.numTokens + ")");
            }
        }
        if (cache.length() >= cfg.maxSeqLen) {
            throw new IllegalArgumentException("ReformerLM.step: position " + cache.length() + " is beyond maxSeqLen " + cfg.maxSeqLen);
        }
        cache.flatStep(ids, out);
        cache.advance();
    }

    Embedding tokenEmbedding() {
        return tokenEmb;
    }

    /** The absolute-style positional embedding module, or null. */
    Module positional() {
        return posEmb;
    }

    Module toModelDim() {
        return toModelDim;
    }

    Reformer trunk() {
        return reformer;
    }

    org.reformer4j.core.nn.LayerNorm finalNorm() {
        return norm;
    }

    /** The output head (a Sequential of two, or Identity with returnEmbeddings). */
    Module output() {
        return out;
    }

    /** Checks keys [B, C, dim] and context mask [B, C] for a batch of b rows; returns the mask as rows (null when none). */
    private boolean[][] checkKeys(int b, Tensor keys, Tensor contextMask) {
        if (keys.rank() != 3 || keys.size(0) != b || keys.size(2) != cfg.dim || keys.size(1) < 1) {
            throw new IllegalArgumentException("ReformerLM: keys must be [B = " + b + ", C >= 1, dim = " + cfg.dim + "], got "
                    + Shape.str(keys.shape()));
        }
        if (keys.dtype() != cfg.dtype) {
            throw new IllegalArgumentException("ReformerLM: keys are " + keys.dtype() + " but the model is " + cfg.dtype);
        }
        if (contextMask == null) return null;
        int c = keys.size(1);
        if (contextMask.rank() != 2 || contextMask.size(0) != b || contextMask.size(1) != c) {
            throw new IllegalArgumentException("ReformerLM: context mask of shape " + Shape.str(contextMask.shape())
                    + " does not match keys " + Shape.str(keys.shape()) + " (expected [" + b + ", " + c + "])");
        }
        boolean[] flat = contextMask.toBoolArray();
        boolean[][] rows = new boolean[b][c];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * c, rows[i], 0, c);
        return rows;
    }

    private void checkIds(Tensor ids) {
        checkIds(ids, 0);
    }

    /** Checks ids [B, T] of a pass with {@code keyLen} keys (the Autopadder's padding then depends on it). */
    private void checkIds(Tensor ids, int keyLen) {
        if (ids.rank() != 2 || ids.dtype().isFloating()) {
            throw new IllegalArgumentException("ReformerLM: ids must be an integer tensor [B, T], got " + ids.dtype() + " "
                    + Shape.str(ids.shape()));
        }
        int t = ids.size(1);
        if (t < 1) throw new IllegalArgumentException("ReformerLM: empty sequence (length 0)");
        int m2 = 2 * cfg.bucketSize, extra = cfg.numMemKv + keyLen;
        int limit = keyLen == 0 ? maxModelLength() : Math.ceilDiv(cfg.maxSeqLen + extra, m2) * m2 - extra;
        if (t > limit) {
            throw new IllegalArgumentException("ReformerLM: sequence length " + t + " exceeds maxSeqLen " + cfg.maxSeqLen
                    + (limit > cfg.maxSeqLen ? " (" + limit + " with the Autopadder's padding)" : ""));
        }
        if (!ids.device().isCpu()) return; // no copy back: the embedding's own index check covers ids on a device
        long[] v;
        try (var ng = GradMode.noGrad()) {
            v = ids.toLongArray();
        }
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= cfg.numTokens) {
                throw new IndexOutOfBoundsException("ReformerLM: token id " + v[i] + " at [" + i / t + ", " + i % t
                        + "] is outside [0, numTokens = " + cfg.numTokens + ")");
            }
        }
    }

    /** Shorthand for a model built from {@link ReformerConfig#builder()}. */
    public static ReformerConfig.Builder<ReformerLM> builder() {
        return new ReformerConfig.Builder<>(ReformerLM::new);
    }

    List<Parameter> parameterList() {
        return parameters();
    }
}
