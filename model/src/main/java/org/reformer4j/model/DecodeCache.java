package org.reformer4j.model;

import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;

/**
 * The state of incremental decoding (as HuggingFace's Reformer keeps past states for generation): per layer,
 * the unit-normalised shared query/keys and the values of every position decoded so far (memory slots
 * first), [B*heads, n, dimHead], and the number of positions. Each new token then costs one position per
 * layer: its projections, one row of attention over the cache, and the position-wise layers.
 * Valid for causal models whose layers all run full attention (see {@link ReformerLM#supportsDecodeCache});
 * LSH layers hash and chunk the whole sequence, which no per-token cache reproduces.
 * Keys and values live in buffers of numMemKv + maxSeqLen positions made at the first step and written in
 * place: float arrays for a {@link FlatDecoder} (CPU float32 models), else tensors of the model's dtype and
 * device. A cache reads the model's weights when it is made; make a new one after loading other weights.
 */
public final class DecodeCache {
    private final int capacity;
    private final Tensor[] keys, values;
    private final int[] filled;
    private final FlatDecoder flat;
    private float[][] flatKv;
    private int batch = -1;
    private int length;

    DecodeCache(int depth, int capacity, FlatDecoder flat) {
        this.capacity = capacity;
        this.flat = flat;
        keys = new Tensor[depth];
        values = new Tensor[depth];
        filled = new int[depth];
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

    /** The next position's logits of each batch row into logits[row] (length V) by the flat decoder. */
    void flatStep(long[] ids, float[][] logits) {
        if (batch < 0) {
            batch = ids.length;
            flatKv = flat.newCache(batch);
        } else if (ids.length != batch) {
            throw new IllegalArgumentException("DecodeCache: batch of " + ids.length + " rows, but the cache was started with " + batch);
        }
        for (int r = 0; r < ids.length; r++) flat.step(r, ids[r], length, flatKv, logits[r]);
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
