package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.Tensor;

/**
 * The state of incremental decoding (as HuggingFace's Reformer keeps past states for generation): per layer,
 * the unit-normalised shared query/keys and the values of every position decoded so far (memory slots
 * first), [B*heads, n, dimHead], and the number of positions. Each new token then costs one position per
 * layer: its projections, one row of attention over the cache, and the position-wise layers.
 * Valid for causal models whose layers all run full attention (see {@link ReformerLM#supportsDecodeCache});
 * LSH layers hash and chunk the whole sequence, which no per-token cache reproduces.
 */
public final class DecodeCache {
    private final Tensor[] keys, values;
    private int length;

    public DecodeCache(int depth) {
        keys = new Tensor[depth];
        values = new Tensor[depth];
    }

    /** Positions decoded so far (the next token's position). */
    public int length() {
        return length;
    }

    void advance() {
        length++;
    }

    boolean started(int layer) {
        return keys[layer] != null;
    }

    void append(int layer, Tensor k, Tensor v) {
        keys[layer] = keys[layer] == null ? k : Tensor.cat(List.of(keys[layer], k), 1);
        values[layer] = values[layer] == null ? v : Tensor.cat(List.of(values[layer], v), 1);
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }
}
