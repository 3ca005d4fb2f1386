package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.random.Generator;

/** Placeholder for the product-key memory layer (not yet implemented). */
public final class ProductKeyMemory extends Module implements Branch {
    public ProductKeyMemory(int dim, int numKeys, DType dtype, Generator g) {
        throw new UnsupportedOperationException("ProductKeyMemory (pkmLayers) is not implemented yet");
    }

    @Override
    public Tensor apply(Tensor x, ForwardState s, int layer) {
        throw new UnsupportedOperationException("ProductKeyMemory");
    }
}
