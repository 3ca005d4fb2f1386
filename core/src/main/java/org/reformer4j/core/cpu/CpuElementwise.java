package org.reformer4j.core.cpu;

import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;

/**
 * CPU kernels of the elementwise family over strided operands: copy with conversion, fill, unary,
 * binary, where. float32 and float64 have their own loops (float32 rows with unit strides go to
 * {@link CpuVector} when the Vector API is on); integer and bool tensors go through a long/double path.
 */
final class CpuElementwise {
    private CpuElementwise() {}

    static void copy(Tensor src, Tensor dst) {
        Strided it = new Strided(dst, src);
        Object d = dst.storage().data(), s = src.storage().data();
        DType dt = dst.dtype(), st = src.dtype();
        if (dt == st && it.innerStride[0] == 1 && it.innerStride[1] == 1) {
            it.forEach((o, i0, i1) -> System.arraycopy(s, it.base(o, 1) + i0, d, it.base(o, 0) + i0, i1 - i0));
            return;
        }
        int sd = it.innerStride[0], ss = it.innerStride[1];
        if (dt == DType.F32 && st == DType.F32) {
            float[] a = (float[]) s, b = (float[]) d;
            it.forEach((o, i0, i1) -> {
                int pa = it.base(o, 1) + i0 * ss, pb = it.base(o, 0) + i0 * sd;
                for (int i = i0; i < i1; i++, pa += ss, pb += sd) b[pb] = a[pa];
            });
            return;
        }
        if (dt == DType.F64 && st == DType.F64) {
            double[] a = (double[]) s, b = (double[]) d;
            it.forEach((o, i0, i1) -> {
                int pa = it.base(o, 1) + i0 * ss, pb = it.base(o, 0) + i0 * sd;
                for (int i = i0; i < i1; i++, pa += ss, pb += sd) b[pb] = a[pa];
            });
            return;
        }
        if (dt == DType.F64 && st == DType.F32) {
            float[] a = (float[]) s;
            double[] b = (double[]) d;
            it.forEach((o, i0, i1) -> {
                int pa = it.base(o, 1) + i0 * ss, pb = it.base(o, 0) + i0 * sd;
                for (int i = i0; i < i1; i++, pa += ss, pb += sd) b[pb] = a[pa];
            });
            return;
        }
        if (dt == DType.F32 && st == DType.F64) {
            double[] a = (double[]) s;
            float[] b = (float[]) d;
            it.forEach((o, i0, i1) -> {
                int pa = it.base(o, 1) + i0 * ss, pb = it.base(o, 0) + i0 * sd;
                for (int i = i0; i < i1; i++, pa += ss, pb += sd) b[pb] = (float) a[pa];
            });
            return;
        }
        boolean exactLong = (dt == DType.I64 || dt == DType.I32) && (st == DType.I64 || st == DType.I32 || st == DType.BOOL);
        it.forEach((o, i0, i1) -> {
            int pa = it.base(o, 1) + i0 * ss, pb = it.base(o, 0) + i0 * sd;
            for (int i = i0; i < i1; i++, pa += ss, pb += sd) {
                if (exactLong) Access.setLong(d, dt, pb, Access.getLong(s, st, pa));
                else Access.set(d, dt, pb, Access.get(s, st, pa));
            }
        });
    }

    static void fill(Tensor dst, double v) {
        Strided it = new Strided(dst);
        Object d = dst.storage().data();
        DType dt = dst.dtype();
        int sd = it.innerStride[0];
        it.forEach((o, i0, i1) -> {
            int p = it.base(o, 0) + i0 * sd;
            switch (dt) {
                case F32 -> {
                    float[] a = (float[]) d;
                    if (sd == 1) java.util.Arrays.fill(a, p, p + i1 - i0, (float) v);
                    else for (int i = i0; i < i1; i++, p += sd) a[p] = (float) v;
                }
                case F64 -> {
                    double[] a = (double[]) d;
                    for (int i = i0; i < i1; i++, p += sd) a[p] = v;
                }
                default -> {
                    for (int i = i0; i < i1; i++, p += sd) Access.set(d, dt, p, v);
                }
            }
        });
    }

    static void unary(UnaryOp op, double prm, Tensor a, Tensor out) {
        Strided it = new Strided(out, a);
        Object od = out.storage().data(), ad = a.storage().data();
        int so = it.innerStride[0], sa = it.innerStride[1];
        DType dt = a.dtype(), ot = out.dtype();
        if (dt == DType.F32 && ot == DType.F32) {
            float[] x = (float[]) ad, y = (float[]) od;
            float p = (float) prm;
            // a power whose exponent is not a float32 keeps the float64 formula (the vector loops see p as a float)
            boolean vec = VectorSupport.ENABLED && so == 1 && sa == 1 && (op != UnaryOp.POW_SCALAR || p == prm);
            int lanes = vec ? CpuVector.LANES : Integer.MAX_VALUE; // shorter runs: scalar (see CpuVector.LANES)
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, py = it.base(o, 0) + i0 * so;
                int n = i1 - i0;
                if (n >= lanes && CpuVector.unary(op, p, x, px, y, py, n)) return;
                unaryF32(op, prm, x, px, sa, y, py, so, n);
            });
            return;
        }
        if (dt == DType.F64 && ot == DType.F64) {
            double[] x = (double[]) ad, y = (double[]) od;
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, py = it.base(o, 0) + i0 * so;
                for (int i = i0; i < i1; i++, px += sa, py += so) y[py] = op.apply(x[px], prm);
            });
            return;
        }
        boolean integral = !dt.isFloating() && !ot.isFloating();
        it.forEach((o, i0, i1) -> {
            int px = it.base(o, 1) + i0 * sa, py = it.base(o, 0) + i0 * so;
            for (int i = i0; i < i1; i++, px += sa, py += so) {
                if (integral && op != UnaryOp.LOGICAL_NOT) {
                    Access.setLong(od, ot, py, (long) op.apply(Access.getLong(ad, dt, px), prm));
                } else {
                    Access.set(od, ot, py, op.apply(Access.get(ad, dt, px), prm));
                }
            }
        });
    }

    /**
     * out = min(max(a, lo), hi) in one pass for float32 a and out (the bits of CLAMP_MIN then CLAMP_MAX: Java's
     * max/min, NaN propagating, bounds rounded to float32); false for other dtypes.
     */
    static boolean clampF32(Tensor a, double lo, double hi, Tensor out) {
        if (a.dtype() != DType.F32 || out.dtype() != DType.F32) return false;
        Strided it = new Strided(out, a);
        float[] x = (float[]) a.storage().data(), y = (float[]) out.storage().data();
        float l = (float) lo, h = (float) hi;
        int so = it.innerStride[0], sa = it.innerStride[1];
        boolean vec = VectorSupport.ENABLED && so == 1 && sa == 1;
        int lanes = vec ? CpuVector.LANES : Integer.MAX_VALUE; // shorter runs: scalar (see CpuVector.LANES)
        it.forEach((o, i0, i1) -> {
            int px = it.base(o, 1) + i0 * sa, py = it.base(o, 0) + i0 * so, n = i1 - i0, i = 0;
            if (n >= lanes) i = CpuVector.clamp(l, h, x, px, y, py, n);
            for (px += i * sa, py += i * so; i < n; i++, px += sa, py += so) y[py] = Math.min(Math.max(x[px], l), h);
        });
        return true;
    }

    /** The scalar float32 loop: reference, fallback and vector tail. */
    static void unaryF32(UnaryOp op, double prm, float[] x, int px, int sa, float[] y, int py, int so, int n) {
        float p = (float) prm;
        switch (op) {
            case ADD_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] + p; }
            case MUL_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] * p; }
            case NEG -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = -x[px]; }
            case RELU -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] > 0 ? x[px] : 0f; }
            case SQUARE -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] * x[px]; }
            case EXP -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = expF32(x[px]); }
            case GELU -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = geluF32(x[px]); }
            // the twins of UnaryVector's loops (TranscendentalF32 for the functions)
            case LOG -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = TranscendentalF32.logF32(x[px]); }
            case TANH -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = TranscendentalF32.tanhF32(x[px]); }
            case SIGMOID -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = TranscendentalF32.sigmoidF32(x[px]); }
            case GELU_TANH -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = TranscendentalF32.geluTanhF32(x[px]); }
            case SQRT -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = (float) Math.sqrt(x[px]); } // = float sqrt, exactly
            case RSQRT -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = 1f / (float) Math.sqrt(x[px]); }
            case RECIPROCAL -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = 1f / x[px]; }
            case ABS -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = Math.abs(x[px]); }
            case RSUB_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = p - x[px]; }
            case LEAKY_RELU -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] > 0f ? x[px] : x[px] * p; }
            case CLAMP_MIN -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = Math.max(x[px], p); }
            case CLAMP_MAX -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = Math.min(x[px], p); }
            case POW_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = powF32(x[px], prm); }
            default -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = (float) op.apply(x[px], prm); }
        }
    }

    /**
     * x^p as the vector loops compute it: for p in {1, 2, 3, 1/2, -1} directly ((x x) x; sqrt(x) + 0 with +inf at
     * -inf; 1/x), another finite p by TranscendentalF32.powF32, an infinite or NaN p by Math.pow.
     */
    static float powF32(float x, double prm) {
        float p = (float) prm;
        if (!Double.isFinite(prm)) return (float) Math.pow(x, prm);
        if (p != prm || !(p == 1f || p == 2f || p == 3f || p == 0.5f || p == -1f)) return TranscendentalF32.powF32(x, prm);
        if (p == 1f) return x;
        if (p == 2f) return x * x;
        if (p == 3f) return x * x * x;
        if (p == -1f) return 1f / x;
        return x == Float.NEGATIVE_INFINITY ? Float.POSITIVE_INFINITY : (float) Math.sqrt(x) + 0f;
    }

    // float32 GELU(x) = x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2 - the form torch evaluates in float32 -
    // and erf(z) = z P(z^2) / Q(z^2), a rational minimax fit on [0, 4] (degrees 5 and 5 in z^2, Q0 = 1; fit error
    // 2e-8, evaluated in float32 with fused Horner steps: |erf error| <= 3.8e-7, so |gelu error| <= 2.3e-7 max(1, |x|)),
    // z clamped into [-4, 4] (1 - erf(4) = 1.5e-8, below float32's rounding of 1). An exponential-free form: about
    // half the operations of the erfc-times-exp form, at the price of 1 + erf's absolute (not relative) accuracy
    // for x below about -3, where GELU itself is below 0.005 in size.
    static final float P0 = 1.12837899f, P1 = 0.196249187f, P2 = 0.0534670688f, P3 = 0.00400351360f, P4 = 2.88014649e-4f,
            P5 = 1.97453437e-6f;
    static final float Q1 = 0.507252514f, Q2 = 0.116476111f, Q3 = 0.0154442061f, Q4 = 0.00121628155f, Q5 = 3.74763513e-5f;
    static final float ERF_CLAMP = 4f, INV_SQRT2 = 0.70710678f, INV_SQRT_2PI = 0.39894228f;

    // float32 e^x from IEEE operations only (vector twin: CpuVector.exp, bit for bit): x = n ln2 + r with
    // n = rint(x log2 e) (by the 1.5 * 2^23 rounding trick), ln2 split in two for an exact reduction, e^r by its
    // degree-7 Taylor polynomial on |r| <= ln2/2 (truncation 5e-9), times 2^(n-1) by adding n-1 to the exponent
    // bits, times 2. Below -86.6 the result is 0 (within 2.4e-38 of e^x), above 88.72 it is +inf, NaN stays NaN.
    static final float EXP_LO = -86.6f, EXP_OVER = 88.72283f;
    static final float LOG2E = 1.44269504f, ROUNDER = 12582912f, LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    static final float E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;

    static float expF32(float x) {
        float c = Math.min(Math.max(x, EXP_LO), EXP_OVER);
        float n = Math.fma(c, LOG2E, ROUNDER) - ROUNDER;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, E7, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float y = Float.intBitsToFloat(Float.floatToRawIntBits(p) + (((int) n - 1) << 23)) * 2f;
        if (x < EXP_LO) return 0f;
        if (x > EXP_OVER) return Float.POSITIVE_INFINITY;
        return x != x ? x : y;
    }

    /** erf(x / sqrt 2) in float32 by the rational fit above (the same operations as its vector twin in GeluVector). */
    static float erfOfScaledF32(float x) {
        float z = x * INV_SQRT2;
        z = z > ERF_CLAMP ? ERF_CLAMP : z < -ERF_CLAMP ? -ERF_CLAMP : z; // a NaN stays NaN
        float s = z * z;
        float p = Math.fma(s, P5, P4);
        p = Math.fma(p, s, P3);
        p = Math.fma(p, s, P2);
        p = Math.fma(p, s, P1);
        p = Math.fma(p, s, P0);
        float q = Math.fma(s, Q5, Q4);
        q = Math.fma(q, s, Q3);
        q = Math.fma(q, s, Q2);
        q = Math.fma(q, s, Q1);
        q = Math.fma(q, s, 1f);
        return z * p / q;
    }

    /** x Phi(x) = x/2 + x/2 erf(x / sqrt 2). */
    static float geluF32(float x) {
        float half = x * 0.5f;
        return Math.fma(half, erfOfScaledF32(x), half);
    }

    /** g * GELU'(x) = g (Phi(x) + x phi(x)). */
    static float geluBackwardF32(float g, float x) {
        float pdf = expF32(x * x * -0.5f) * INV_SQRT_2PI;
        float cdf = Math.fma(erfOfScaledF32(x), 0.5f, 0.5f);
        return g * Math.fma(x, pdf, cdf);
    }

    static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Strided it = new Strided(out, a, b);
        Object od = out.storage().data(), ad = a.storage().data(), bd = b.storage().data();
        int so = it.innerStride[0], sa = it.innerStride[1], sb = it.innerStride[2];
        DType dt = a.dtype(), ot = out.dtype();
        if (dt == DType.F32 && ot == DType.F32) {
            float[] x = (float[]) ad, z = (float[]) bd, y = (float[]) od;
            boolean vec = VectorSupport.ENABLED && so == 1 && sa == 1 && (sb == 1 || sb == 0);
            int lanes = vec ? CpuVector.LANES : Integer.MAX_VALUE; // shorter runs: scalar (see CpuVector.LANES)
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, pz = it.base(o, 2) + i0 * sb, py = it.base(o, 0) + i0 * so;
                int n = i1 - i0;
                if (n >= lanes && CpuVector.binary(op, x, px, z, pz, sb, y, py, n)) return;
                binaryF32(op, x, px, sa, z, pz, sb, y, py, so, n);
            });
            return;
        }
        if (dt == DType.F64 && ot == DType.F64) {
            double[] x = (double[]) ad, z = (double[]) bd, y = (double[]) od;
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, pz = it.base(o, 2) + i0 * sb, py = it.base(o, 0) + i0 * so;
                for (int i = i0; i < i1; i++, px += sa, pz += sb, py += so) y[py] = op.apply(x[px], z[pz]);
            });
            return;
        }
        boolean integral = !dt.isFloating() && !op.isComparison();
        it.forEach((o, i0, i1) -> {
            int px = it.base(o, 1) + i0 * sa, pz = it.base(o, 2) + i0 * sb, py = it.base(o, 0) + i0 * so;
            for (int i = i0; i < i1; i++, px += sa, pz += sb, py += so) {
                if (integral) {
                    long u = Access.getLong(ad, dt, px), v = Access.getLong(bd, dt, pz);
                    long r = switch (op) {
                        case ADD -> u + v;
                        case SUB -> u - v;
                        case MUL -> u * v;
                        case MAXIMUM -> Math.max(u, v);
                        case MINIMUM -> Math.min(u, v);
                        default -> (long) op.apply(u, v);
                    };
                    Access.setLong(od, ot, py, r);
                } else {
                    Access.set(od, ot, py, op.apply(Access.get(ad, dt, px), Access.get(bd, dt, pz)));
                }
            }
        });
    }

    /** The scalar float32 loop: reference, fallback and vector tail. */
    static void binaryF32(BinaryOp op, float[] x, int px, int sa, float[] z, int pz, int sb, float[] y, int py, int so, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] + z[pz]; }
            case SUB -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] - z[pz]; }
            case MUL -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] * z[pz]; }
            case DIV -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] / z[pz]; }
            case GELU_BACKWARD -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = geluBackwardF32(x[px], z[pz]); }
            default -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = (float) op.apply(x[px], z[pz]); }
        }
    }

    static void where(Tensor c, Tensor a, Tensor b, Tensor out) {
        Strided it = new Strided(out, c, a, b);
        boolean[] cd = (boolean[]) c.storage().data();
        Object od = out.storage().data(), ad = a.storage().data(), bd = b.storage().data();
        DType dt = out.dtype();
        int so = it.innerStride[0], sc = it.innerStride[1], sa = it.innerStride[2], sb = it.innerStride[3];
        it.forEach((o, i0, i1) -> {
            int py = it.base(o, 0) + i0 * so, pc = it.base(o, 1) + i0 * sc, pa = it.base(o, 2) + i0 * sa, pb = it.base(o, 3) + i0 * sb;
            switch (dt) {
                case F32 -> {
                    float[] y = (float[]) od, x = (float[]) ad, z = (float[]) bd;
                    for (int i = i0; i < i1; i++, py += so, pc += sc, pa += sa, pb += sb) y[py] = cd[pc] ? x[pa] : z[pb];
                }
                case F64 -> {
                    double[] y = (double[]) od, x = (double[]) ad, z = (double[]) bd;
                    for (int i = i0; i < i1; i++, py += so, pc += sc, pa += sa, pb += sb) y[py] = cd[pc] ? x[pa] : z[pb];
                }
                default -> {
                    for (int i = i0; i < i1; i++, py += so, pc += sc, pa += sa, pb += sb) {
                        Access.setLong(od, dt, py, cd[pc] ? Access.getLong(ad, dt, pa) : Access.getLong(bd, dt, pb));
                    }
                }
            }
        });
    }
}
