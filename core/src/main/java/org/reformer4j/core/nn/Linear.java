package org.reformer4j.core.nn;

import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * torch.nn.Linear: {@code y = x W^T + b}, weight [out, in], bias [out] (optional). Initial values as torch's
 * {@code reset_parameters}: weight and bias both U(-1/sqrt(in), 1/sqrt(in)), weight drawn first.
 * Shapes: x [..., in] -> y [..., out].
 */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;

    /** With bias, float32, drawn from the default generator. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        this(in, out, bias, DType.F32, Generator.defaultGenerator());
    }

    public Linear(int in, int out, boolean bias, DType dtype, Generator g) {
        if (in < 0 || out < 0) throw new IllegalArgumentException("Linear: negative size in=" + in + ", out=" + out);
        this.in = in;
        this.out = out;
        double bound = Init.linearBound(in);
        this.weight = registerParameter("weight", Init.uniform(new int[] {out, in}, -bound, bound, dtype, g));
        this.bias = bias ? registerParameter("bias", Init.uniform(new int[] {out}, -bound, bound, dtype, g)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(in=" + in + ", out=" + out + "): input of shape "
                    + java.util.Arrays.toString(x.shape()) + " must end in " + in);
        }
        return Functional.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", bias=" + (bias != null);
    }
}
