package org.reformer4j.model;

import org.reformer4j.core.Tensor;

/**
 * One residual branch of a Reformer layer (the {@code f} or {@code g} of a reversible block): attention,
 * feed-forward or product-key memory, possibly inside PreNorm/ReZero. Gets the layer's index and the
 * forward state (mask, rotary table, random draws).
 */
public interface Branch {
    Tensor apply(Tensor x, ForwardState state, int layer);

    /**
     * One decoding step: x holds only the newest position [B, 1, dim]; attention reads and extends the
     * {@link DecodeCache}. Position-wise branches (feed-forward, PKM in eval mode) just apply themselves.
     */
    default Tensor step(Tensor x, ForwardState state, int layer, DecodeCache cache) {
        return apply(x, state, layer);
    }

    /**
     * True when each position's output depends on that position alone and no random draw depends on how many
     * positions are passed: the reversible backward may then recompute and backpropagate the branch a slice of
     * the sequence at a time (bounded memory), with the same result.
     */
    default boolean positionWise() {
        return false;
    }
}
