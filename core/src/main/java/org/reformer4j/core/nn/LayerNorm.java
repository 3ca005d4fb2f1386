package org.reformer4j.core.nn;

import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;

/**
 * torch.nn.LayerNorm over the trailing dims {@code normalizedShape}: biased variance, eps 1e-5 by default,
 * affine weight (ones) and bias (zeros) of that shape unless {@code elementwiseAffine} is false.
 */
public final class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final double eps;
    private final Parameter weight, bias;

    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true, DType.F32);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: empty normalized shape");
        if (!(eps >= 0)) throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = elementwiseAffine ? registerParameter("weight", Init.constant(normalizedShape, 1, dtype)) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", Init.constant(normalizedShape, 0, dtype)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        int k = normalizedShape.length;
        int[] xs = x.shape();
        boolean fits = xs.length >= k;
        for (int i = 0; fits && i < k; i++) fits = xs[xs.length - k + i] == normalizedShape[i];
        if (!fits) {
            throw new IllegalArgumentException("LayerNorm" + java.util.Arrays.toString(normalizedShape) + ": input of shape "
                    + java.util.Arrays.toString(xs) + " does not end in the normalized shape");
        }
        return Functional.layerNorm(x, k, weight == null ? null : weight.tensor(), bias == null ? null : bias.tensor(), eps);
    }

    /** The weight, or null without affine parameters. */
    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return java.util.Arrays.toString(normalizedShape) + ", eps=" + eps + ", affine=" + (weight != null);
    }
}
