package org.reformer4j.core.nn;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * torch.nn.Embedding: a table weight [num, dim], initialised N(0, 1); forward looks up integer ids of any
 * shape [...] -> [..., dim] (the gradient scatters into the looked-up rows).
 */
public final class Embedding extends Module {
    private final int num, dim;
    private final Parameter weight;

    public Embedding(int num, int dim) {
        this(num, dim, DType.F32, Generator.defaultGenerator());
    }

    public Embedding(int num, int dim, DType dtype, Generator g) {
        if (num < 0 || dim < 0) throw new IllegalArgumentException("Embedding: negative size num=" + num + ", dim=" + dim);
        this.num = num;
        this.dim = dim;
        this.weight = registerParameter("weight", Init.normal(new int[] {num, dim}, 0, 1, dtype, g));
    }

    /** ids (int32 or int64, values in [0, num)) -> [..., dim]. */
    @Override
    public Tensor forward(Tensor ids) {
        return Tensor.embedding(weight.tensor(), ids);
    }

    public Parameter weight() {
        return weight;
    }

    public int numEmbeddings() {
        return num;
    }

    public int embeddingDim() {
        return dim;
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim;
    }
}
