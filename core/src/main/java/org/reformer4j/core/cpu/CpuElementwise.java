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
            boolean vec = VectorSupport.ENABLED && so == 1 && sa == 1;
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

    /** The scalar float32 loop: reference, fallback and vector tail. */
    static void unaryF32(UnaryOp op, double prm, float[] x, int px, int sa, float[] y, int py, int so, int n) {
        float p = (float) prm;
        switch (op) {
            case ADD_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] + p; }
            case MUL_SCALAR -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] * p; }
            case NEG -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = -x[px]; }
            case RELU -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] > 0 ? x[px] : 0f; }
            case SQUARE -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = x[px] * x[px]; }
            case EXP -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = (float) Math.exp(x[px]); }
            case GELU -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = geluF32(x[px]); }
            default -> { for (int i = 0; i < n; i++, px += sa, py += so) y[py] = (float) op.apply(x[px], prm); }
        }
    }

    // float32 GELU(x) = x Phi(x) with Phi(x) = erfc(-x / sqrt 2) / 2, erfc by the Chebyshev fit of
    // Numerical Recipes (erfcc: fractional error below 1.2e-7 for every z >= 0):
    // erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2); Phi(x) = 1 - erfc(z)/2 for x >= 0, erfc(z)/2 below.
    static final float C0 = -1.26551223f, C1 = 1.00002368f, C2 = 0.37409196f, C3 = 0.09678418f, C4 = -0.18628806f,
            C5 = 0.27886807f, C6 = -1.13520398f, C7 = 1.48851587f, C8 = -0.82215223f, C9 = 0.17087277f;
    static final float INV_SQRT2 = 0.70710678f, INV_SQRT_2PI = 0.39894228f;

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

    /** Phi(x), the standard normal CDF, in float32 (the same fused operations as its vector twin). */
    static float normalCdfF32(float x) {
        float z = Math.abs(x) * INV_SQRT2;
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float p = Math.fma(t, C9, C8);
        p = Math.fma(p, t, C7);
        p = Math.fma(p, t, C6);
        p = Math.fma(p, t, C5);
        p = Math.fma(p, t, C4);
        p = Math.fma(p, t, C3);
        p = Math.fma(p, t, C2);
        p = Math.fma(p, t, C1);
        p = Math.fma(p, t, C0);
        float half = t * 0.5f * expF32(-(z * z) + p);
        return x < 0 ? half : 1f - half;
    }

    static float geluF32(float x) {
        return x * normalCdfF32(x);
    }

    /** g * GELU'(x) = g (Phi(x) + x phi(x)). */
    static float geluBackwardF32(float g, float x) {
        float pdf = expF32(x * x * -0.5f) * INV_SQRT_2PI;
        return g * Math.fma(x, pdf, normalCdfF32(x));
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
