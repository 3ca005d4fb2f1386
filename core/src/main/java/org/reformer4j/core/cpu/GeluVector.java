package org.reformer4j.core.cpu;

import static org.reformer4j.core.cpu.CpuElementwise.ERF_CLAMP;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT2;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT_2PI;
import static org.reformer4j.core.cpu.CpuElementwise.P0;
import static org.reformer4j.core.cpu.CpuElementwise.P1;
import static org.reformer4j.core.cpu.CpuElementwise.P2;
import static org.reformer4j.core.cpu.CpuElementwise.P3;
import static org.reformer4j.core.cpu.CpuElementwise.P4;
import static org.reformer4j.core.cpu.CpuElementwise.P5;
import static org.reformer4j.core.cpu.CpuElementwise.Q1;
import static org.reformer4j.core.cpu.CpuElementwise.Q2;
import static org.reformer4j.core.cpu.CpuElementwise.Q3;
import static org.reformer4j.core.cpu.CpuElementwise.Q4;
import static org.reformer4j.core.cpu.CpuElementwise.Q5;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU (erf form, torch's default) and its backward over float32 runs, Vector API, the same operations in the
 * same order as the scalar twins {@link CpuElementwise#geluF32} and {@link CpuElementwise#geluBackwardF32}, so
 * the bits are theirs: the rational erf ({@link #erfOfScaled}) and the backward's normal density
 * ({@link CpuVector#expNonPositive}) are small methods that C2 inlines into each loop. Why these loops are not in
 * CpuVector's op switches: there they took the compilation past C2's inlining node budget, the calls stayed
 * real calls and every FloatVector crossing them was boxed (12 bytes and about twice the time per element).
 * A method body above C2's FreqInlineSize (325 bytecodes) is compiled on its own and never inlined back.
 */
final class GeluVector {
    private static final VectorSpecies<Float> S = CpuVector.S;
    private static final int L = S.length();

    private GeluVector() {}

    /** {@code y[py + i] = gelu(x[px + i])} for i in [0, up), up a multiple of the vector length. */
    static void forward(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            FloatVector erf = erfOfScaled(v);
            FloatVector half = v.mul(0.5f);
            half.fma(erf, half).intoArray(y, py + i);
        }
    }

    /**
     * {@code y[py + i] = g[pg + i] * (cdf(x) + x * pdf(x))} with x = {@code x[px + i]}, for i in [0, up), up a
     * multiple of the vector length (the gradient of gelu at x times the incoming gradient g).
     */
    static void backward(float[] g, int pg, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            // pdf = e^(-v^2/2) / sqrt(2 pi)
            FloatVector b = v.mul(v).mul(-0.5f);
            FloatVector ex = CpuVector.expNonPositive(b); // b <= 0 or NaN
            FloatVector pdf = ex.mul(INV_SQRT_2PI);
            FloatVector cdf = erfOfScaled(v).fma(0.5f, 0.5f); // (1 + erf(v / sqrt2)) / 2
            FloatVector.fromArray(S, g, pg + i).mul(v.fma(pdf, cdf)).intoArray(y, py + i);
        }
    }

    /**
     * erf(v / sqrt2) = z P(z^2) / Q(z^2), z clamped into [-4, 4] by compare and blend (a NaN stays NaN): the
     * twin of {@link CpuElementwise#erfOfScaledF32}. Small enough (no exponential) for C2 to inline into both loops.
     */
    private static FloatVector erfOfScaled(FloatVector v) {
        FloatVector z = v.mul(INV_SQRT2);
        z = z.blend(ERF_CLAMP, z.compare(VectorOperators.GT, ERF_CLAMP));
        z = z.blend(-ERF_CLAMP, z.compare(VectorOperators.LT, -ERF_CLAMP));
        FloatVector s = z.mul(z);
        FloatVector p = s.fma(P5, P4);
        p = p.fma(s, FloatVector.broadcast(S, P3));
        p = p.fma(s, FloatVector.broadcast(S, P2));
        p = p.fma(s, FloatVector.broadcast(S, P1));
        p = p.fma(s, FloatVector.broadcast(S, P0));
        FloatVector q = s.fma(Q5, Q4);
        q = q.fma(s, FloatVector.broadcast(S, Q3));
        q = q.fma(s, FloatVector.broadcast(S, Q2));
        q = q.fma(s, FloatVector.broadcast(S, Q1));
        q = q.fma(s, FloatVector.broadcast(S, 1f));
        return z.mul(p).div(q);
    }
}
