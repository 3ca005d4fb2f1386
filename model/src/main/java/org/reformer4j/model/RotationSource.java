package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * Where the random rotations of LSH hashing come from (reformer-pytorch draws them with {@code torch.randn}
 * in {@code hash_vectors}, R:231-237). By default from the model's Philox generator; a caller may supply
 * its own (reproducibility, comparison with other implementations).
 */
@FunctionalInterface
public interface RotationSource {
    /** Rotations [1 or N, dh, H, nBuckets/2] for layer {@code layer} (0-based) in {@code dtype}. */
    Tensor rotations(int layer, int[] shape, DType dtype);

    /** The same on {@code device}: by default drawn as above and moved there. */
    default Tensor rotations(int layer, int[] shape, DType dtype, Device device) {
        return rotations(layer, shape, dtype).to(device);
    }

    /**
     * Standard normals from the generator's stream, each call taking fresh blocks; drawn where they are used
     * (Philox gives the same numbers on every device, so no host copy is made for an accelerator).
     */
    static RotationSource of(Generator g) {
        return new RotationSource() {
            @Override
            public Tensor rotations(int layer, int[] shape, DType dtype) {
                return rotations(layer, shape, dtype, Device.CPU);
            }

            @Override
            public Tensor rotations(int layer, int[] shape, DType dtype, Device device) {
                long n = 1;
                for (int s : shape) n *= s;
                long blocks = Generator.blocksFor(n, dtype);
                return Tensor.randn(shape, g.seed(), g.stream(), g.take(blocks), dtype, device);
            }
        };
    }
}
