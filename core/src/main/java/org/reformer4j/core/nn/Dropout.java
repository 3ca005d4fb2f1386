package org.reformer4j.core.nn;

import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * torch.nn.Dropout (inverted: kept elements scaled by 1/(1-p)); the identity in eval mode or when p = 0.
 * Each training call reserves the Philox blocks its mask needs from the module's {@link Generator} and
 * remembers where they started ({@link #lastCounter}), so a recomputation can draw the same mask with
 * {@link #forward(Tensor, long)} (reversible layers do).
 */
public final class Dropout extends Module {
    private final double p;
    private final Generator generator;
    private long lastCounter = -1;

    public Dropout(double p) {
        this(p, Generator.defaultGenerator());
    }

    public Dropout(double p, Generator generator) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = p;
        this.generator = generator;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) return x;
        long blocks = Generator.blocksFor(x.numel(), x.dtype());
        long counter = generator.take(blocks);
        return forward(x, counter);
    }

    /** Dropout with the mask of block {@code counter} of this module's (seed, stream), in any mode. */
    public Tensor forward(Tensor x, long counter) {
        lastCounter = counter;
        return Functional.dropout(x, p, generator.seed(), generator.stream(), counter);
    }

    public double p() {
        return p;
    }

    /** The block counter of the last mask drawn, or -1 before the first. */
    public long lastCounter() {
        return lastCounter;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
