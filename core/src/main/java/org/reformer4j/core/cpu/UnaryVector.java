package org.reformer4j.core.cpu;

import static org.reformer4j.core.cpu.CpuElementwise.LN2_HI;
import static org.reformer4j.core.cpu.CpuElementwise.LN2_LO;
import static org.reformer4j.core.cpu.TranscendentalF32.GELU_TANH_C;
import static org.reformer4j.core.cpu.TranscendentalF32.GELU_TANH_K;
import static org.reformer4j.core.cpu.TranscendentalF32.L0;
import static org.reformer4j.core.cpu.TranscendentalF32.L1;
import static org.reformer4j.core.cpu.TranscendentalF32.L2;
import static org.reformer4j.core.cpu.TranscendentalF32.L3;
import static org.reformer4j.core.cpu.TranscendentalF32.L4;
import static org.reformer4j.core.cpu.TranscendentalF32.L5;
import static org.reformer4j.core.cpu.TranscendentalF32.L6;
import static org.reformer4j.core.cpu.TranscendentalF32.L7;
import static org.reformer4j.core.cpu.TranscendentalF32.MIN_NORMAL_BITS;
import static org.reformer4j.core.cpu.TranscendentalF32.SQRT_HALF_BITS;
import static org.reformer4j.core.cpu.TranscendentalF32.TWO_23;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops of the float32 unary ops beyond CpuVector's arithmetic ones: exp, log, tanh, sigmoid, GELU
 * (tanh form), sqrt, rsqrt, abs, leaky relu, clamp and small integer or half powers. Each transcendental loop is
 * one method holding its whole computation (the exponential of {@link CpuVector#exp} inlined by C2; see
 * {@link GeluVector} for why a loop must not grow past C2's inlining budget), the same operations in the same
 * order as its scalar twin in {@link TranscendentalF32} or {@link CpuElementwise#unaryF32}, so the bits are
 * theirs. Every method covers [0, up), up a multiple of the vector length; the caller finishes the tail.
 */
final class UnaryVector {
    private static final VectorSpecies<Float> S = CpuVector.S;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private UnaryVector() {}

    /** Whether the float and int species line up lane for lane (else callers keep the scalar loops). */
    static boolean usable() {
        return I.length() == L;
    }

    static void exp(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) CpuVector.exp(FloatVector.fromArray(S, x, px + i)).intoArray(y, py + i);
    }

    static void sigmoid(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector e = CpuVector.exp(FloatVector.fromArray(S, x, px + i).neg());
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, py + i);
        }
    }

    static void tanh(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            FloatVector e = CpuVector.expm1NonPositive(v.abs().mul(-2f));
            FloatVector th = e.neg().div(e.add(2f));
            th.reinterpretAsInts().and(0x7FFFFFFF).or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats().intoArray(y, py + i);
        }
    }

    static void geluTanh(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            FloatVector u = v.mul(v).mul(v).fma(FloatVector.broadcast(S, GELU_TANH_C), v);
            v.div(CpuVector.exp(u.mul(GELU_TANH_K)).add(1f)).intoArray(y, py + i);
        }
    }

    static void log(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            IntVector bits = v.reinterpretAsInts();
            VectorMask<Integer> sub = bits.compare(VectorOperators.LT, MIN_NORMAL_BITS);
            IntVector b = bits.blend(v.mul(TWO_23).reinterpretAsInts(), sub);
            IntVector k = b.sub(SQRT_HALF_BITS).lanewise(VectorOperators.ASHR, 23);
            FloatVector f = b.sub(k.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats().sub(1f);
            FloatVector p = f.fma(L7, L6);
            p = p.fma(f, FloatVector.broadcast(S, L5));
            p = p.fma(f, FloatVector.broadcast(S, L4));
            p = p.fma(f, FloatVector.broadcast(S, L3));
            p = p.fma(f, FloatVector.broadcast(S, L2));
            p = p.fma(f, FloatVector.broadcast(S, L1));
            p = p.fma(f, FloatVector.broadcast(S, L0));
            FloatVector f2 = f.mul(f);
            FloatVector r = f2.mul(f).fma(p, f2.fma(FloatVector.broadcast(S, -0.5f), f));
            FloatVector kf = (FloatVector) k.blend(k.sub(23), sub).convert(VectorOperators.I2F, 0);
            FloatVector out = kf.fma(FloatVector.broadcast(S, LN2_HI), kf.fma(FloatVector.broadcast(S, LN2_LO), r));
            out = out.blend(Float.NaN, v.compare(VectorOperators.LT, 0f));
            out = out.blend(Float.NEGATIVE_INFINITY, v.compare(VectorOperators.EQ, 0f));
            out = out.blend(v, v.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
            out.blend(v, v.compare(VectorOperators.NE, v)).intoArray(y, py + i);
        }
    }

    static void sqrt(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).sqrt().intoArray(y, py + i);
    }

    /** 1 / sqrt(x) as two float32 roundings (twin: {@code 1f / (float) Math.sqrt(x)}). */
    static void rsqrt(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, x, px + i).sqrt()).intoArray(y, py + i);
    }

    static void reciprocal(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, x, px + i)).intoArray(y, py + i);
    }

    static void abs(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).abs().intoArray(y, py + i);
    }

    static void rsubScalar(float c, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.broadcast(S, c).sub(FloatVector.fromArray(S, x, px + i)).intoArray(y, py + i);
    }

    /** x > 0 ? x : slope * x (a NaN gives slope * NaN = NaN, as the twin). */
    static void leakyRelu(float slope, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, py + i);
        }
    }

    /** Math.max(x, lo) lane by lane (NaN propagates, +0 above -0), as the twin. */
    static void clampMin(float lo, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).max(lo).intoArray(y, py + i);
    }

    /** Math.min(x, hi) lane by lane (NaN propagates, -0 below +0), as the twin. */
    static void clampMax(float hi, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).min(hi).intoArray(y, py + i);
    }

    /** Math.min(Math.max(x, lo), hi) lane by lane: clamp in one pass, the bits of clampMin then clampMax. */
    static void clamp(float lo, float hi, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).max(lo).min(hi).intoArray(y, py + i);
    }

    /** x^3 as (x x) x. */
    static void cube(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            v.mul(v).mul(v).intoArray(y, py + i);
        }
    }

    /** x^0.5 as pow gives it: sqrt(x) + 0 (so -0 -> +0), and +inf for -inf. */
    static void powHalf(float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i);
            v.sqrt().add(0f).blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)).intoArray(y, py + i);
        }
    }

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;

    /**
     * x^p for a finite exponent p (twin: {@link TranscendentalF32#powF32}, bit for bit): eight lanes at a time in
     * float64; lanes whose x is not positive and finite are redone by Math.pow after the vector pass. On machines
     * where the JDK compiles its own vector power, that one instead (within 1 ulp, not the twin's bits: {@link SvmlPow}).
     */
    static void powGeneral(double p, float[] x, int px, float[] y, int py, int up) {
        if (SvmlPow.ENABLED && L == SvmlPow.LANES) {
            SvmlPow.pow((float) p, x, px, y, py, up);
            return;
        }
        for (int i = 0; i < up; i += 8) {
            FloatVector v = FloatVector.fromArray(F8, x, px + i);
            IntVector bits = v.reinterpretAsInts();
            VectorMask<Integer> sub = bits.compare(VectorOperators.LT, MIN_NORMAL_BITS);
            IntVector b = bits.blend(v.mul(TWO_23).reinterpretAsInts(), sub);
            IntVector k = b.sub(SQRT_HALF_BITS).lanewise(VectorOperators.ASHR, 23);
            FloatVector m = b.sub(k.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
            DoubleVector f = ((DoubleVector) m.convertShape(VectorOperators.F2D, D8, 0)).sub(1.0);
            DoubleVector s = f.div(f.add(2.0)), s2 = s.mul(s);
            DoubleVector r = s2.fma(TranscendentalF32.A7, TranscendentalF32.A6);
            r = r.fma(s2, DoubleVector.broadcast(D8, TranscendentalF32.A5));
            r = r.fma(s2, DoubleVector.broadcast(D8, TranscendentalF32.A4));
            r = r.fma(s2, DoubleVector.broadcast(D8, TranscendentalF32.A3));
            r = r.fma(s2, DoubleVector.broadcast(D8, TranscendentalF32.A2));
            r = r.fma(s2, DoubleVector.broadcast(D8, TranscendentalF32.A1));
            r = r.fma(s2, DoubleVector.broadcast(D8, 1.0));
            DoubleVector kd = (DoubleVector) k.blend(k.sub(23), sub).convertShape(VectorOperators.I2D, D8, 0);
            DoubleVector yv = kd.fma(DoubleVector.broadcast(D8, TranscendentalF32.LN2), s.mul(2.0).mul(r)).mul(p);
            yv = yv.blend(TranscendentalF32.POW_CLAMP, yv.compare(VectorOperators.GT, TranscendentalF32.POW_CLAMP));
            yv = yv.blend(-TranscendentalF32.POW_CLAMP, yv.compare(VectorOperators.LT, -TranscendentalF32.POW_CLAMP));
            DoubleVector n = yv.fma(DoubleVector.broadcast(D8, TranscendentalF32.LOG2E_D), DoubleVector.broadcast(D8, TranscendentalF32.ROUNDER_D))
                    .sub(TranscendentalF32.ROUNDER_D);
            DoubleVector t = n.fma(DoubleVector.broadcast(D8, -TranscendentalF32.LN2_HI_D), yv);
            t = n.fma(DoubleVector.broadcast(D8, -TranscendentalF32.LN2_LO_D), t);
            double[] c = TranscendentalF32.EXP_TAYLOR;
            DoubleVector e = t.fma(c[0], c[1]);
            for (int j = 2; j < c.length; j++) e = e.fma(t, DoubleVector.broadcast(D8, c[j]));
            LongVector nl = (LongVector) n.convert(VectorOperators.D2L, 0);
            DoubleVector scale = nl.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            ((FloatVector) e.mul(scale).convertShape(VectorOperators.D2F, F8, 0)).intoArray(y, py + i);
            VectorMask<Float> odd = v.compare(VectorOperators.GT, 0f).and(v.compare(VectorOperators.LT, Float.POSITIVE_INFINITY)).not();
            if (odd.anyTrue()) {
                for (int j = 0; j < 8; j++) if (odd.laneIsSet(j)) y[py + i + j] = (float) Math.pow(x[px + i + j], p);
            }
        }
    }
}
