package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Embedding;
import org.reformer4j.core.nn.Init;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.random.Generator;

/**
 * The absolute-style positional embeddings added to the token embedding (reformer-pytorch R:627-646,
 * axial-positional-embedding 0.2.1 AX:6-41), each a Module giving pe [1, T, e] for a length T, and the
 * sinusoid table shared with the rotary layer positions. Parameter paths as torch's: {@code emb.weight},
 * {@code weights_0}/{@code weights_1}, buffer {@code inv_freq}.
 */
public final class PositionalEmbeddings {
    private PositionalEmbeddings() {}

    /** A positional embedding: pe [1, T, e] for length T. */
    public interface Positional {
        Tensor embed(int length);
    }

    /** {@code cat(sin(p*f), cos(p*f))} over positions [0, T) and frequencies f [e/2], as [1, T, e]. */
    static Tensor sinusoid(double[] invFreq, int length, DType dtype) {
        int half = invFreq.length;
        boolean f32 = dtype == DType.F32;
        double[] v = new double[length * 2 * half];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < half; i++) {
                double a = f32 ? (float) (p * invFreq[i]) : p * invFreq[i];
                v[p * 2 * half + i] = Math.sin(a);
                v[p * 2 * half + half + i] = Math.cos(a);
            }
        }
        return Tensor.of(v, 1, length, 2 * half).to(dtype);
    }

    /** {@code nn.Embedding(maxSeqLen, e)} looked up at positions [0, T). */
    public static final class Absolute extends Module implements Positional {
        private final Embedding emb;
        private final int maxSeqLen;

        public Absolute(int dim, int maxSeqLen, DType dtype, Generator g) {
            this.maxSeqLen = maxSeqLen;
            emb = registerModule("emb", new Embedding(maxSeqLen, dim, dtype, g));
        }

        @Override
        public Tensor embed(int length) {
            if (length > maxSeqLen) {
                throw new IllegalArgumentException("AbsolutePositionalEmbedding: length " + length + " > maxSeqLen " + maxSeqLen);
            }
            return emb.weight().tensor().narrow(0, 0, length).unsqueeze(0);
        }
    }

    /** Fixed sinusoids over the embedding width (buffer {@code inv_freq}). */
    public static final class Fixed extends Module implements Positional {
        private final DType dtype;

        public Fixed(int dim, DType dtype) {
            this.dtype = dtype;
            registerBuffer("inv_freq", Tensor.of(org.reformer4j.model.attention.RotaryTable.inverseFrequencies(dim), dim / 2).to(dtype), true);
        }

        public double[] invFreq() {
            return buffer("inv_freq").toDoubleArray();
        }

        @Override
        public Tensor embed(int length) {
            return sinusoid(invFreq(), length, dtype);
        }
    }

    /** Summed axial embedding: {@code pe[p] = weights_0[p / s1] + weights_1[p % s1]}. */
    public static final class Axial extends Module implements Positional {
        private final Parameter w0, w1;
        private final int s0, s1, dim;

        public Axial(int dim, int[] shape, DType dtype, Generator g) {
            this.s0 = shape[0];
            this.s1 = shape[1];
            this.dim = dim;
            w0 = registerParameter("weights_0", Init.normal(new int[] {1, s0, 1, dim}, 0, 1, dtype, g));
            w1 = registerParameter("weights_1", Init.normal(new int[] {1, 1, s1, dim}, 0, 1, dtype, g));
        }

        @Override
        public Tensor embed(int length) {
            if (length > s0 * s1) {
                throw new IllegalArgumentException("AxialPositionalEmbedding: length " + length + " > axial shape " + s0 + " x " + s1
                        + " = " + s0 * s1);
            }
            Tensor pe = w0.tensor().expand(1, s0, s1, dim).add(w1.tensor().expand(1, s0, s1, dim));
            return pe.reshape(1, s0 * s1, dim).narrow(1, 0, length);
        }
    }
}
