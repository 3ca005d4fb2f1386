package org.reformer4j.core.cpu;

import static org.reformer4j.core.cpu.CpuElementwise.C0;
import static org.reformer4j.core.cpu.CpuElementwise.C1;
import static org.reformer4j.core.cpu.CpuElementwise.C2;
import static org.reformer4j.core.cpu.CpuElementwise.C3;
import static org.reformer4j.core.cpu.CpuElementwise.C4;
import static org.reformer4j.core.cpu.CpuElementwise.C5;
import static org.reformer4j.core.cpu.CpuElementwise.C6;
import static org.reformer4j.core.cpu.CpuElementwise.C7;
import static org.reformer4j.core.cpu.CpuElementwise.C8;
import static org.reformer4j.core.cpu.CpuElementwise.C9;
import static org.reformer4j.core.cpu.CpuElementwise.E3;
import static org.reformer4j.core.cpu.CpuElementwise.E4;
import static org.reformer4j.core.cpu.CpuElementwise.E5;
import static org.reformer4j.core.cpu.CpuElementwise.E6;
import static org.reformer4j.core.cpu.CpuElementwise.E7;
import static org.reformer4j.core.cpu.CpuElementwise.EXP_LO;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT2;
import static org.reformer4j.core.cpu.CpuElementwise.INV_SQRT_2PI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_HI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_LO;
import static org.reformer4j.core.cpu.CpuElementwise.LOG2E;
import static org.reformer4j.core.cpu.CpuElementwise.ROUNDER;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU (erf form, torch's default) and its backward over float32 runs, Vector API: each loop is one method
 * holding the whole computation - the normal CDF's erfc polynomial and the exponentials written out, the same
 * operations in the same order as {@link CpuVector#exp} and the scalar twins {@link CpuElementwise#normalCdfF32}
 * and {@code geluBackwardF32}, so the bits are theirs. Why written out: inside CpuVector's op switches these
 * loops took the compilation past C2's inlining node budget, the exp calls stayed real calls and every
 * FloatVector crossing them was boxed (12 bytes and about twice the time per element). A method body above
 * C2's FreqInlineSize (325 bytecodes) is compiled on its own and never inlined back into the switches.
 */
final class GeluVector {
    private static final VectorSpecies<Float> S = CpuVector.S;
    private static final int L = S.length();

    private GeluVector() {}

    /** {@code y[py + i] = gelu(x[px + i])} for i in [0, up), up a multiple of the vector length. */
    static void forward(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            // normal CDF: erfc(|v|/sqrt2)/2 by the Numerical Recipes polynomial, mirrored for v < 0
            FloatVector z = v.abs().mul(INV_SQRT2);
            FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
            FloatVector p = t.fma(C9, C8);
            p = p.fma(t, FloatVector.broadcast(S, C7));
            p = p.fma(t, FloatVector.broadcast(S, C6));
            p = p.fma(t, FloatVector.broadcast(S, C5));
            p = p.fma(t, FloatVector.broadcast(S, C4));
            p = p.fma(t, FloatVector.broadcast(S, C3));
            p = p.fma(t, FloatVector.broadcast(S, C2));
            p = p.fma(t, FloatVector.broadcast(S, C1));
            p = p.fma(t, FloatVector.broadcast(S, C0));
            FloatVector a = p.sub(z.mul(z)); // = -(z z) + p exactly
            // e^a (CpuVector.exp, written out)
            // no clamp into [EXP_LO, EXP_OVER] (a vector max/min with Java's NaN rules costs as much as the polynomial)
            FloatVector n = a.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)).sub(ROUNDER);
            FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), a);
            r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector q = r.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            q = q.fma(r, FloatVector.broadcast(S, E5));
            q = q.fma(r, FloatVector.broadcast(S, E4));
            q = q.fma(r, FloatVector.broadcast(S, E3));
            q = q.fma(r, FloatVector.broadcast(S, 0.5f));
            q = q.fma(r, FloatVector.broadcast(S, 1f));
            q = q.fma(r, FloatVector.broadcast(S, 1f));
            // exponents here are <= 0, so 2^n itself is a float: one scaling instead of 2^(n-1) and 2
            IntVector e = n.add(127f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23);
            FloatVector ex = q.mul(e.reinterpretAsFloats());
            // a <= 0 here, so only the underflow lanes need replacing; a NaN input stays NaN through every step
            ex = ex.blend(0f, a.compare(VectorOperators.LT, EXP_LO));
            FloatVector half = t.mul(0.5f).mul(ex);
            FloatVector cdf = FloatVector.broadcast(S, 1f).sub(half).blend(half, v.compare(VectorOperators.LT, 0f));
            v.mul(cdf).intoArray(y, py + i);
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
            // no clamp (see forward)
            FloatVector n = b.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)).sub(ROUNDER);
            FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), b);
            r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector q = r.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            q = q.fma(r, FloatVector.broadcast(S, E5));
            q = q.fma(r, FloatVector.broadcast(S, E4));
            q = q.fma(r, FloatVector.broadcast(S, E3));
            q = q.fma(r, FloatVector.broadcast(S, 0.5f));
            q = q.fma(r, FloatVector.broadcast(S, 1f));
            q = q.fma(r, FloatVector.broadcast(S, 1f));
            // exponents here are <= 0, so 2^n itself is a float: one scaling instead of 2^(n-1) and 2
            IntVector e = n.add(127f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23);
            FloatVector ex = q.mul(e.reinterpretAsFloats());
            ex = ex.blend(0f, b.compare(VectorOperators.LT, EXP_LO)); // b <= 0: underflow only (see forward)
            FloatVector pdf = ex.mul(INV_SQRT_2PI);
            // cdf as in forward, its exp written out again
            FloatVector z = v.abs().mul(INV_SQRT2);
            FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
            FloatVector p = t.fma(C9, C8);
            p = p.fma(t, FloatVector.broadcast(S, C7));
            p = p.fma(t, FloatVector.broadcast(S, C6));
            p = p.fma(t, FloatVector.broadcast(S, C5));
            p = p.fma(t, FloatVector.broadcast(S, C4));
            p = p.fma(t, FloatVector.broadcast(S, C3));
            p = p.fma(t, FloatVector.broadcast(S, C2));
            p = p.fma(t, FloatVector.broadcast(S, C1));
            p = p.fma(t, FloatVector.broadcast(S, C0));
            FloatVector a = p.sub(z.mul(z)); // = -(z z) + p exactly
            FloatVector n2 = a.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)).sub(ROUNDER);
            FloatVector r2 = n2.fma(FloatVector.broadcast(S, -LN2_HI), a);
            r2 = n2.fma(FloatVector.broadcast(S, -LN2_LO), r2);
            FloatVector q2 = r2.fma(FloatVector.broadcast(S, E7), FloatVector.broadcast(S, E6));
            q2 = q2.fma(r2, FloatVector.broadcast(S, E5));
            q2 = q2.fma(r2, FloatVector.broadcast(S, E4));
            q2 = q2.fma(r2, FloatVector.broadcast(S, E3));
            q2 = q2.fma(r2, FloatVector.broadcast(S, 0.5f));
            q2 = q2.fma(r2, FloatVector.broadcast(S, 1f));
            q2 = q2.fma(r2, FloatVector.broadcast(S, 1f));
            // exponents here are <= 0, so 2^n itself is a float: one scaling instead of 2^(n-1) and 2
            IntVector e2 = n2.add(127f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23);
            FloatVector ex2 = q2.mul(e2.reinterpretAsFloats());
            ex2 = ex2.blend(0f, a.compare(VectorOperators.LT, EXP_LO));
            FloatVector half = t.mul(0.5f).mul(ex2);
            FloatVector cdf = FloatVector.broadcast(S, 1f).sub(half).blend(half, v.compare(VectorOperators.LT, 0f));
            FloatVector.fromArray(S, g, pg + i).mul(v.fma(pdf, cdf)).intoArray(y, py + i);
        }
    }
}
