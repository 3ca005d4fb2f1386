package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;

/**
 * Applies a row-wise branch to {@code chunks} slices of the sequence axis and concatenates (reformer-pytorch
 * {@code Chunk}, R:162-173): a memory device, no effect on the values. Slices of ceil(T/chunks) rows
 * as {@code torch.chunk}; chunking is skipped when the slices would be shorter than {@link #MIN_ROWS} rows
 * (the result is the same and the big products stay efficient).
 */
public final class Chunk extends Module implements Branch {
    static final int MIN_ROWS = 256;
    private final int chunks;
    private final FeedForward fn;

    public Chunk(int chunks, FeedForward fn) {
        this.chunks = chunks;
        this.fn = registerModule("fn", fn);
    }

    FeedForward fn() {
        return fn;
    }

    @Override
    public boolean positionWise() {
        return fn.deterministic();
    }

    @Override
    public Tensor apply(Tensor x, ForwardState s, int layer) {
        int t = x.size(1), size = Math.ceilDiv(t, chunks);
        if (chunks == 1 || size < MIN_ROWS) return fn.apply(x, s, layer);
        List<Tensor> parts = new ArrayList<>();
        for (Tensor c : x.split(size, 1)) parts.add(fn.apply(c, s, layer));
        return Tensor.cat(parts, 1);
    }
}
