package org.reformer4j.model;

import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.model.attention.LshDecodeState;

/**
 * The state of incremental decoding (as HuggingFace's Reformer keeps past buckets and states for generation):
 * each new token costs one position per layer (its projections, one attention row, the position-wise layers).
 * Full-attention models keep per layer the unit-normalised shared query/keys and the values of every position
 * decoded so far (memory slots first), [B*heads, n, dimHead]: their step equals re-running the prefix.
 * Models whose layers may run LSH attention keep an {@link LshDecodeState} per layer: keys (unit, rotary-turned),
 * values and per-round buckets of every position and memory slot; above fullAttnThres the newest position
 * attends to its chunk window of the current prefix's sort (chunk c = sorted index / bs and chunk c-1, chunk 0
 * wrapping to the last; no sort: O(nBuckets + 2 bs dh) per round), below it to the whole cache.
 * What agrees with re-running the prefix: layer 0 (so a depth-1 model) whenever prefix + memory slots is a
 * multiple of 2 x bucketSize (no padding) and the rotations are the same; every layer while each window holds
 * the whole causal prefix (H*L <= 2 bs). Beyond that a past position's state at layers >= 1 depends on the whole
 * sequence under LSH (its chunk changes as the sequence grows); the cache keeps the state each position had when
 * it was decoded, as HuggingFace's does. Rotations are fixed for the session: drawn once per layer and bucket
 * count from the model's {@link RotationSource} (its generator, or the caller's); the bucket count is that of the
 * padded prefix, 2 x ceil((L + numMemKv) / 2bs), and the prefix is re-hashed when it changes (every 2bs tokens).
 * Local heads attend to their window and the one before (exact at every layer).
 * A prompt fills the cache by {@link ReformerLM#prefill}: one eval forward over the prompt (padded as the
 * {@link Autopadder} pads it), hashing with the session rotations, hands every layer its projections of the real
 * positions, the memory slots and the forward's buckets (as HuggingFace fills its cache from one forward). The
 * prompt's states are then those of that forward over the whole prompt, not those each position would have had
 * when decoded alone (they agree at layer 0); the first generated token's logits equal uncached generation's (same
 * rotations) at every depth, and later tokens follow the step rules above. Prompts the forward cannot take (local
 * heads beside memory slots or keys whose padded prompt is not a multiple of their window) and full-attention caches
 * are filled one step per token.
 * Encoder keys (a decoder's keys [B, C, dim] and context mask [B, C], {@link ReformerLM#newDecodeCache(Tensor, Tensor)},
 * what generation with keys uses): a cache belongs to one set of keys and their B rows (one generate call; a copy is
 * kept); each layer projects them once, at its first step or in the prefill, and holds them as memory slots after its
 * own, as the forward's key/value sequence cat(x, mem_kv, keys) places them: no causal mask on them, a key whose mask
 * entry is false scores the dtype's most negative value (keeping its place in the LSH sort), and they count in the kv
 * length L + numMemKv + C that picks full attention and the bucket count (and the prefill's padding, the
 * Autopadder's). The rules above hold with numMemKv + C slots: a full-attention decoder (maxSeqLen + numMemKv + C <=
 * fullAttnThres, or useFullAttn) steps exactly as re-running the prefix with the keys; under LSH, layer 0 where
 * prefix + slots + keys is a multiple of 2 x bucketSize, every layer while each window holds the whole prefix, and
 * a prefill's logits are the uncached first step's. Local heads see the tokens alone, as in the forward.
 * On a device the LSH and local heads' states stay on the host (each step copies the position's qk and v there and
 * the attention output back: a few hundred numbers per layer); a prefill copies the forward's buckets once.
 * Not covered (refused by {@link ReformerLM#newDecodeCache}): non-causal models; a cache takes no other keys than
 * those it was made with (make one per set of keys). Buffers hold
 * numMemKv + C + maxSeqLen positions (full attention; LSH states maxSeqLen tokens and numMemKv + C slots), made at the
 * first step; a cache reads the model's weights when it is made: make a new one after loading others.
 */
public final class DecodeCache {
    private final int capacity;
    private final Tensor[] keys, values;
    private final int[] filled;
    private final FlatDecoder flat;
    private float[][] flatKv;
    private int batch = -1;
    private int length;
    /** Per layer the state of the LSH heads, then per layer that of the local heads (models on LshDecodeStates), else null. */
    private final LshDecodeState[] lsh;
    private double[] rotaryFrequencies;
    /** Rotations of the session by (layer, bucket count). */
    private final java.util.Map<Long, Tensor> rotations = new java.util.HashMap<>();
    /** The encoder keys [B, C, dim] this cache belongs to, their keep-mask [B, C] as given and as rows; null without keys. */
    private Tensor encoderKeys, contextMaskTensor;
    private boolean[][] contextMask;
    /** The keys as floats [B*C*dim] for the flat decoder; the tensor steps' drop mask [B*heads, 1, capacity] (made once). */
    private float[] encoderKeysF;
    private Tensor keyDrop, selfMask;

    DecodeCache(int depth, int capacity, FlatDecoder flat) {
        this(depth, capacity, flat, false);
    }

    /** {@code lshLayers}: the layers may run LSH attention (each gets an {@link LshDecodeState} at its first step). */
    DecodeCache(int depth, int capacity, FlatDecoder flat, boolean lshLayers) {
        this.capacity = capacity;
        this.flat = flat;
        keys = new Tensor[depth];
        values = new Tensor[depth];
        filled = new int[depth];
        lsh = lshLayers ? new LshDecodeState[2 * depth] : null;
    }

    /**
     * Binds the cache to encoder keys [B, C, dim] (checked by the model) and their keep-mask ({@code mask} [B, C],
     * {@code rows} the same as [B][C]; both null: all kept), before its first step; the batch becomes B.
     */
    void bindKeys(Tensor keys, Tensor mask, boolean[][] rows) {
        if (length > 0 || batch >= 0 || encoderKeys != null) throw new IllegalStateException("DecodeCache: keys are bound before the first step");
        // copies owned by no scope: the cache outlives the caller's scope
        encoderKeys = Scope.detached(() -> keys.detach().clone());
        contextMaskTensor = mask == null ? null : Scope.detached(() -> mask.detach().clone());
        contextMask = rows;
        batch = keys.size(0);
        if (flat != null) encoderKeysF = Scope.detached(() -> keys.contiguous().toFloatArray());
    }

    /** The encoder keys [B, C, dim] every attention layer attends to, or null. */
    Tensor encoderKeys() {
        return encoderKeys;
    }

    /** The number of encoder keys C (0 without keys). */
    int keyLength() {
        return encoderKeys == null ? 0 : encoderKeys.size(1);
    }

    /** The keys' keep-mask as given [B, C], or null (all kept, or no keys). */
    Tensor contextMaskTensor() {
        return contextMaskTensor;
    }

    /** The keys' keep-mask [B][C] (true = keep), or null (all kept, or no keys). */
    boolean[][] contextMask() {
        return contextMask;
    }

    /**
     * Where a tensor step's scores [B*heads, 1, n] drop a masked key, [B*heads, 1, capacity] (bool) on {@code device}:
     * the keys sit at slots [memSlots, memSlots + C) of every layer; made (and copied to a device) at the first use.
     */
    Tensor keyDrop(int heads, int memSlots, org.reformer4j.core.Device device) {
        if (keyDrop == null || !keyDrop.device().equals(device)) {
            int c = keyLength();
            boolean[] drop = new boolean[batch * heads * capacity];
            for (int r = 0; r < batch * heads; r++) {
                for (int j = 0; j < c; j++) drop[r * capacity + memSlots + j] = !contextMask[r / heads][j];
            }
            keyDrop = Scope.detached(() -> Tensor.of(drop, batch * heads, 1, capacity).to(device));
        }
        return keyDrop;
    }

    /**
     * The newest of n positions as a bool mask [1, 1, n] on {@code device} (where a full-attention step writes the
     * self score): made once per length and shared by every layer of the step (one copy to a device per token).
     */
    Tensor selfMask(int n, org.reformer4j.core.Device device) {
        if (selfMask == null || selfMask.size(2) != n || !selfMask.device().equals(device)) {
            boolean[] self = new boolean[n];
            self[n - 1] = true;
            selfMask = Scope.detached(() -> Tensor.of(self, 1, 1, n).to(device));
        }
        return selfMask;
    }

    /** The rotary inverse frequencies [dimHead/2] LSH layers turn queries and keys by, or null (no rotary positions). */
    double[] rotaryFrequencies() {
        return rotaryFrequencies;
    }

    void rotaryFrequencies(double[] f) {
        rotaryFrequencies = f;
    }

    /** Whether attention layers step through an {@link LshDecodeState} (LSH or mixed models). */
    boolean lshLayers() {
        return lsh != null;
    }

    /** The state of a layer's LSH (or full-attention) heads, made by {@code make} at its first step. */
    LshDecodeState lshState(int layer, java.util.function.Supplier<LshDecodeState> make) {
        if (lsh[layer] == null) lsh[layer] = make.get();
        return lsh[layer];
    }

    /** The state of a layer's local-attention heads, made by {@code make} at its first step. */
    LshDecodeState localState(int layer, java.util.function.Supplier<LshDecodeState> make) {
        int i = lsh.length / 2 + layer;
        if (lsh[i] == null) lsh[i] = make.get();
        return lsh[i];
    }

    /** The session's rotations of a layer for a bucket count: drawn by {@code draw} the first time, then reused. */
    Tensor rotations(int layer, int nBuckets, java.util.function.Supplier<Tensor> draw) {
        return rotations.computeIfAbsent(((long) layer << 32) | nBuckets, k -> Scope.detached(draw::get));
    }

    /** Positions each layer holds: numMemKv + C + maxSeqLen (full attention), maxSeqLen tokens (LSH states). */
    int capacity() {
        return capacity;
    }

    /** Refuses a step whose batch differs from the first step's. */
    void checkBatch(int rows) {
        if (batch < 0) batch = rows;
        else if (rows != batch) {
            throw new IllegalArgumentException("DecodeCache: batch of " + rows + " rows, but the cache was started with " + batch
                    + " (make a new cache for another batch)");
        }
    }

    /** Positions decoded so far (the next token's position). */
    public int length() {
        return length;
    }

    /** Whether steps run on flat arrays ({@link FlatDecoder}) rather than tensor ops. */
    public boolean isFlat() {
        return flat != null;
    }

    void advance() {
        length++;
    }

    /** Ends a prefill: every layer state made holds the prompt's {@code t0} positions, which become the cache's length. */
    void filled(int t0) {
        boolean any = false;
        for (int i = 0; i < lsh.length; i++) {
            if (lsh[i] == null) continue;
            any = true;
            if (lsh[i].length() != t0) {
                throw new IllegalStateException("DecodeCache: after the prefill of " + t0 + " positions layer " + i % (lsh.length / 2)
                        + (i < lsh.length / 2 ? "" : " (local heads)") + " holds " + lsh[i].length());
            }
        }
        if (!any) throw new IllegalStateException("DecodeCache: the prefill of " + t0 + " positions reached no attention layer");
        length = t0;
    }

    /** The next position's logits of each batch row into logits[row] (length V) by the flat decoder. */
    void flatStep(long[] ids, float[][] logits) {
        checkBatch(ids.length);
        if (flatKv == null) flatKv = flat.newCache(batch);
        for (int r = 0; r < ids.length; r++) {
            flat.step(r, ids[r], length, flatKv, logits[r], encoderKeysF, contextMask == null ? null : contextMask[r]);
        }
    }

    boolean started(int layer) {
        return filled[layer] > 0;
    }

    /** Writes k, v [B*h, r, dh] at the layer's next r positions. */
    void append(int layer, Tensor k, Tensor v) {
        int r = k.size(1), at = filled[layer];
        if (keys[layer] == null) {
            int[] shape = {k.size(0), capacity, k.size(2)};
            keys[layer] = Scope.detached(() -> Tensor.zeros(shape, k.dtype(), k.device()));
            values[layer] = Scope.detached(() -> Tensor.zeros(shape, v.dtype(), v.device()));
        }
        if (at + r > capacity || k.size(0) != keys[layer].size(0)) {
            throw new IllegalArgumentException("DecodeCache: layer " + layer + " holds " + at + " of " + capacity + " positions of "
                    + keys[layer].size(0) + " rows; cannot add " + r + " positions of " + k.size(0) + " rows");
        }
        keys[layer].narrow(1, at, r).copyFrom(k);
        values[layer].narrow(1, at, r).copyFrom(v);
        filled[layer] = at + r;
    }

    Tensor keys(int layer) {
        return keys[layer].narrow(1, 0, filled[layer]);
    }

    Tensor values(int layer) {
        return values[layer].narrow(1, 0, filled[layer]);
    }
}
