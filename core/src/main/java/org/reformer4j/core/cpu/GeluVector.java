package org.reformer4j.core.cpu;

import static org.reformer4j.core.cpu.CpuElementwise.E3;
import static org.reformer4j.core.cpu.CpuElementwise.E4;
import static org.reformer4j.core.cpu.CpuElementwise.E5;
import static org.reformer4j.core.cpu.CpuElementwise.E6;
import static org.reformer4j.core.cpu.CpuElementwise.E7;
import static org.reformer4j.core.cpu.CpuElementwise.ERF_CLAMP;
import static org.reformer4j.core.cpu.CpuElementwise.EXP_LO;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT2;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT_2PI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_HI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_LO;
import static org.reformer4j.core.cpu.CpuElementwise.LOG2E;
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
import static org.reformer4j.core.cpu.CpuElementwise.ROUNDER;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU (erf form, torch's default) and its backward over float32 runs, Vector API: each loop is one method
 * holding the whole computation - the rational erf fit and (backward) the normal density's exponential written
 * out, the same operations in the same order as the scalar twins {@link CpuElementwise#geluF32} and
 * {@link CpuElementwise#geluBackwardF32} (and {@link CpuVector#exp}), so the bits are theirs. Why written out:
 * inside CpuVector's op switches these loops took the compilation past C2's inlining node budget, the calls
 * stayed real calls and every FloatVector crossing them was boxed (12 bytes and about twice the time per
 * element). A method body above C2's FreqInlineSize (325 bytecodes) is compiled on its own and never inlined
 * back into the switches.
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
            // pdf = e^(-v^2/2) / sqrt(2 pi), the exp written out
            FloatVector b = v.mul(v).mul(-0.5f);
            // no clamp into [EXP_LO, EXP_OVER] (a vector max/min with Java's NaN rules costs as much as the polynomial)
            FloatVector n = b.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)).sub(ROUNDER);
            FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), b);
            r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector e = r.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            e = e.fma(r, FloatVector.broadcast(S, E5));
            e = e.fma(r, FloatVector.broadcast(S, E4));
            e = e.fma(r, FloatVector.broadcast(S, E3));
            e = e.fma(r, FloatVector.broadcast(S, 0.5f));
            e = e.fma(r, FloatVector.broadcast(S, 1f));
            e = e.fma(r, FloatVector.broadcast(S, 1f));
            // exponents here are <= 0, so 2^n itself is a float: one scaling instead of 2^(n-1) and 2
            IntVector bits = n.add(127f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23);
            FloatVector ex = e.mul(bits.reinterpretAsFloats());
            ex = ex.blend(0f, b.compare(VectorOperators.LT, EXP_LO)); // b <= 0: only underflow lanes need replacing; NaN stays NaN
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
