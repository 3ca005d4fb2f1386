package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;

/**
 * float32 comparisons into bool (torch.eq/ne/lt/le/gt/ge: NaN != NaN is true, every other comparison with a NaN
 * false), where(cond, a, b) (torch.where; masked_fill is where(mask, scalar, x)), MAXIMUM and MINIMUM
 * (torch.maximum/minimum) and the gradient helpers RELU_BACKWARD, TANH_BACKWARD, SIGMOID_BACKWARD (ATen's
 * threshold_backward, tanh_backward, sigmoid_backward): each a scalar loop over any strides (fallback, vector tail,
 * test oracle) beside its Vector API twin in {@link Lanes}, same bits. Reference: {@link BinaryOp#apply} in float64
 * (exact for all but TANH/SIGMOID_BACKWARD: see {@link #binaryF32}).
 */
final class CpuSelect {
    private CpuSelect() {}

    /** True for the binary ops this class computes on float32 operands. */
    static boolean handles(BinaryOp op) {
        return switch (op) {
            case EQ, NE, LT, LE, GT, GE, MAXIMUM, MINIMUM, RELU_BACKWARD, TANH_BACKWARD, SIGMOID_BACKWARD -> true;
            default -> false;
        };
    }

    private static boolean isCompare(BinaryOp op) {
        return switch (op) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    /** out = op(a, b) for float32 a and b (out bool for a comparison, else float32); false when not handled. */
    static boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32 || !handles(op)) return false;
        boolean cmp = isCompare(op);
        if (out.dtype() != (cmp ? DType.BOOL : DType.F32)) return false;
        Strided it = new Strided(out, a, b);
        float[] x = (float[]) a.storage().data(), z = (float[]) b.storage().data();
        int so = it.innerStride[0], sa = it.innerStride[1], sb = it.innerStride[2];
        // vector runs: unit output, each input unit or broadcast (stride 0), not both broadcast
        boolean vec = VectorSupport.ENABLED && so == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0) && (sa | sb) == 1;
        int lanes = vec ? CpuVector.LANES : Integer.MAX_VALUE; // shorter runs: scalar (see CpuVector.LANES)
        if (cmp) {
            boolean[] y = (boolean[]) out.storage().data();
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, pz = it.base(o, 2) + i0 * sb, py = it.base(o, 0) + i0 * so;
                int n = i1 - i0;
                if (n >= lanes) Lanes.compare(op, x, px, sa, z, pz, sb, y, py, n);
                else compareF32(op, x, px, sa, z, pz, sb, y, py, so, n);
            });
        } else {
            float[] y = (float[]) out.storage().data();
            it.forEach((o, i0, i1) -> {
                int px = it.base(o, 1) + i0 * sa, pz = it.base(o, 2) + i0 * sb, py = it.base(o, 0) + i0 * so;
                int n = i1 - i0;
                if (n >= lanes) Lanes.binary(op, x, px, sa, z, pz, sb, y, py, n);
                else binaryF32(op, x, px, sa, z, pz, sb, y, py, so, n);
            });
        }
        return true;
    }

    /** out = cond ? a : b for a bool condition and float32 a, b, out; false when not handled. */
    static boolean where(Tensor c, Tensor a, Tensor b, Tensor out) {
        if (c.dtype() != DType.BOOL || a.dtype() != DType.F32 || b.dtype() != DType.F32 || out.dtype() != DType.F32) return false;
        Strided it = new Strided(out, c, a, b);
        boolean[] cd = (boolean[]) c.storage().data();
        float[] x = (float[]) a.storage().data(), z = (float[]) b.storage().data(), y = (float[]) out.storage().data();
        int so = it.innerStride[0], sc = it.innerStride[1], sa = it.innerStride[2], sb = it.innerStride[3];
        boolean vec = VectorSupport.ENABLED && so == 1 && sc == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0);
        int lanes = vec ? CpuVector.LANES : Integer.MAX_VALUE;
        it.forEach((o, i0, i1) -> {
            int py = it.base(o, 0) + i0 * so, pc = it.base(o, 1) + i0 * sc;
            int pa = it.base(o, 2) + i0 * sa, pb = it.base(o, 3) + i0 * sb;
            int n = i1 - i0;
            if (sc == 0 && so == 1) {
                // one condition for the whole run (a mask broadcast along it): a copy or a fill of one operand
                boolean t = cd[pc];
                float[] src = t ? x : z;
                int ps = t ? pa : pb, ss = t ? sa : sb;
                if (ss == 1) System.arraycopy(src, ps, y, py, n);
                else if (ss == 0) java.util.Arrays.fill(y, py, py + n, src[ps]);
                else whereF32(cd, pc, 0, x, pa, sa, z, pb, sb, y, py, 1, n);
            } else if (n >= lanes) {
                Lanes.where(cd, pc, x, pa, sa, z, pb, sb, y, py, n);
            } else {
                whereF32(cd, pc, sc, x, pa, sa, z, pb, sb, y, py, so, n);
            }
        });
        return true;
    }

    // ---- scalar twins: fallback, vector tails and test oracle ----

    /** y = op(x, z) for a comparison, any strides. */
    static void compareF32(BinaryOp op, float[] x, int px, int sa, float[] z, int pz, int sb, boolean[] y, int py, int so, int n) {
        switch (op) {
            case EQ -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] == z[pz]; }
            case NE -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] != z[pz]; }
            case LT -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] < z[pz]; }
            case LE -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] <= z[pz]; }
            case GT -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] > z[pz]; }
            case GE -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] >= z[pz]; }
            default -> throw new IllegalArgumentException("compareF32: " + op + " is not a comparison");
        }
    }

    /**
     * y = op(x, z) for MAXIMUM, MINIMUM and the three gradient helpers, any strides. MAXIMUM, MINIMUM (NaN if either is
     * NaN, as Float.NaN: the float64 NaN rounded; max(-0, +0) = +0, min(-0, +0) = -0) and RELU_BACKWARD give the bits
     * of the float64 formula. TANH_BACKWARD is g * fma(-y, y, 1) and SIGMOID_BACKWARD (g * y) * (1 - y): two and three
     * float32 roundings where the float64 formula rounds once (within 4 ulps of it), and float32's range where
     * float64 has more: for y outside tanh's and sigmoid's range only, fma(-y, y, 1) is -inf for finite |y| > 1.8e19
     * and g * y may overflow for 1 < y < 2 where its product with 1 - y would not. The sign and payload of a NaN these
     * two compute (inf * 0, NaN operands) are left unspecified.
     */
    static void binaryF32(BinaryOp op, float[] x, int px, int sa, float[] z, int pz, int sb, float[] y, int py, int so, int n) {
        switch (op) {
            case MAXIMUM -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = maximum(x[px], z[pz]); }
            case MINIMUM -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = minimum(x[px], z[pz]); }
            case RELU_BACKWARD -> { for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = z[pz] > 0 ? x[px] : 0f; }
            case TANH_BACKWARD -> {
                for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] * Math.fma(-z[pz], z[pz], 1f);
            }
            case SIGMOID_BACKWARD -> {
                for (int i = 0; i < n; i++, px += sa, pz += sb, py += so) y[py] = x[px] * z[pz] * (1f - z[pz]);
            }
            default -> throw new IllegalArgumentException("CpuSelect.binaryF32: no float32 loop for " + op);
        }
    }

    /** torch.maximum: NaN if either is NaN, else Math.max (+0 above -0). */
    static float maximum(float a, float b) {
        return a != a || b != b ? Float.NaN : Math.max(a, b);
    }

    /** torch.minimum: NaN if either is NaN, else Math.min (-0 below +0). */
    static float minimum(float a, float b) {
        return a != a || b != b ? Float.NaN : Math.min(a, b);
    }

    /** y = c ? x : z, any strides. */
    static void whereF32(boolean[] c, int pc, int sc, float[] x, int pa, int sa, float[] z, int pb, int sb, float[] y, int py, int so, int n) {
        for (int i = 0; i < n; i++, pc += sc, pa += sa, pb += sb, py += so) y[py] = c[pc] ? x[pa] : z[pb];
    }

    /**
     * The Vector API twins (loaded only when {@link VectorSupport#ENABLED}). Callers pass runs of at least one
     * vector, a unit output stride and inputs of stride 1 or 0 (a broadcast value), not both 0 for a binary op;
     * the loops stop at the last whole vector and the scalar twin does the tail. One small method per op with
     * its operator a constant (C2 only intrinsifies lanewise ops whose operator is constant at the call, and a
     * method with many vector loops can exceed the inlining budget, leaving vector calls boxed).
     */
    static final class Lanes {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length();
        /**
         * Elements per call of a loop method (a multiple of every vector length): each call's loop exits often, so
         * C2 compiles its exit as a branch, not as the uncommon trap that an on-stack compilation of one long call
         * hits when that call ends, and a trap on a branch not seen before (a stride-0 operand) reinterprets at
         * most one block before the method is compiled again.
         */
        private static final int BLOCK = 4096;

        private Lanes() {}

        /** op(a, b) == mirror(op)(b, a): lets a broadcast first operand become the second. */
        private static BinaryOp mirror(BinaryOp op) {
            return switch (op) {
                case LT -> BinaryOp.GT;
                case LE -> BinaryOp.GE;
                case GT -> BinaryOp.LT;
                case GE -> BinaryOp.LE;
                default -> op;
            };
        }

        static void compare(BinaryOp op, float[] x, int px, int sa, float[] z, int pz, int sb, boolean[] y, int py, int n) {
            if (sa == 0) {
                compare(mirror(op), z, pz, sb, x, px, sa, y, py, n);
                return;
            }
            int up = S.loopBound(n);
            for (int b = 0; b < up; b += BLOCK) {
                int m = Math.min(BLOCK, up - b), qx = px + b, qz = pz + b * sb, qy = py + b;
                switch (op) {
                    case EQ -> eq(x, qx, z, qz, sb, y, qy, m);
                    case NE -> ne(x, qx, z, qz, sb, y, qy, m);
                    case LT -> lt(x, qx, z, qz, sb, y, qy, m);
                    case LE -> le(x, qx, z, qz, sb, y, qy, m);
                    case GT -> gt(x, qx, z, qz, sb, y, qy, m);
                    case GE -> ge(x, qx, z, qz, sb, y, qy, m);
                    default -> throw new IllegalArgumentException("CpuSelect.compare: " + op + " is not a comparison");
                }
            }
            compareF32(op, x, px + up, 1, z, pz + up * sb, sb, y, py + up, 1, n - up);
        }

        private static void eq(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.EQ, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.EQ, c).intoArray(y, py + i);
            }
        }

        private static void ne(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.NE, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.NE, c).intoArray(y, py + i);
            }
        }

        private static void lt(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.LT, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.LT, c).intoArray(y, py + i);
            }
        }

        private static void le(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.LE, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.LE, c).intoArray(y, py + i);
            }
        }

        private static void gt(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.GT, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.GT, c).intoArray(y, py + i);
            }
        }

        private static void ge(float[] x, int px, float[] z, int pz, int sb, boolean[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.GE, FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
            } else {
                float c = z[pz];
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, x, px + i).compare(VectorOperators.GE, c).intoArray(y, py + i);
            }
        }

        static void binary(BinaryOp op, float[] x, int px, int sa, float[] z, int pz, int sb, float[] y, int py, int n) {
            if (sa == 0 && (op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM)) { // both symmetric, NaN and +-0 included
                binary(op, z, pz, sb, x, px, sa, y, py, n);
                return;
            }
            int up = S.loopBound(n);
            for (int b = 0; b < up; b += BLOCK) {
                int m = Math.min(BLOCK, up - b), qx = px + b * sa, qz = pz + b * sb, qy = py + b;
                switch (op) {
                    case MAXIMUM -> maximum(x, qx, z, qz, sb, y, qy, m);
                    case MINIMUM -> minimum(x, qx, z, qz, sb, y, qy, m);
                    case RELU_BACKWARD -> reluBackward(x, qx, sa, z, qz, sb, y, qy, m);
                    case TANH_BACKWARD -> tanhBackward(x, qx, sa, z, qz, sb, y, qy, m);
                    case SIGMOID_BACKWARD -> sigmoidBackward(x, qx, sa, z, qz, sb, y, qy, m);
                    default -> throw new IllegalArgumentException("CpuSelect.binary: no float32 vector loop for " + op);
                }
            }
            binaryF32(op, x, px + up * sa, sa, z, pz + up * sb, sb, y, py + up, 1, n - up);
        }

        /** Java's max per lane (+0 above -0), then Float.NaN where either lane is NaN: the bits of {@link CpuSelect#maximum}. */
        private static void maximum(float[] x, int px, float[] z, int pz, int sb, float[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) {
                    FloatVector a = FloatVector.fromArray(S, x, px + i), b = FloatVector.fromArray(S, z, pz + i);
                    a.lanewise(VectorOperators.MAX, b).blend(Float.NaN, a.compare(VectorOperators.NE, a).or(b.compare(VectorOperators.NE, b)))
                            .intoArray(y, py + i);
                }
            } else {
                FloatVector b = FloatVector.broadcast(S, z[pz]);
                VectorMask<Float> bNan = b.compare(VectorOperators.NE, b);
                for (int i = 0; i < up; i += L) {
                    FloatVector a = FloatVector.fromArray(S, x, px + i);
                    a.lanewise(VectorOperators.MAX, b).blend(Float.NaN, a.compare(VectorOperators.NE, a).or(bNan)).intoArray(y, py + i);
                }
            }
        }

        private static void minimum(float[] x, int px, float[] z, int pz, int sb, float[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) {
                    FloatVector a = FloatVector.fromArray(S, x, px + i), b = FloatVector.fromArray(S, z, pz + i);
                    a.lanewise(VectorOperators.MIN, b).blend(Float.NaN, a.compare(VectorOperators.NE, a).or(b.compare(VectorOperators.NE, b)))
                            .intoArray(y, py + i);
                }
            } else {
                FloatVector b = FloatVector.broadcast(S, z[pz]);
                VectorMask<Float> bNan = b.compare(VectorOperators.NE, b);
                for (int i = 0; i < up; i += L) {
                    FloatVector a = FloatVector.fromArray(S, x, px + i);
                    a.lanewise(VectorOperators.MIN, b).blend(Float.NaN, a.compare(VectorOperators.NE, a).or(bNan)).intoArray(y, py + i);
                }
            }
        }

        /** g where x > 0, else +0 (g at px with stride sa, x at pz with stride sb). */
        private static void reluBackward(float[] g, int pg, int sa, float[] x, int pz, int sb, float[] y, int py, int up) {
            FloatVector zero = FloatVector.zero(S);
            if (sa == 1 && sb == 1) {
                for (int i = 0; i < up; i += L) {
                    zero.blend(FloatVector.fromArray(S, g, pg + i), FloatVector.fromArray(S, x, pz + i).compare(VectorOperators.GT, 0f)).intoArray(y, py + i);
                }
            } else if (sa == 0) {
                FloatVector gv = FloatVector.broadcast(S, g[pg]);
                for (int i = 0; i < up; i += L) zero.blend(gv, FloatVector.fromArray(S, x, pz + i).compare(VectorOperators.GT, 0f)).intoArray(y, py + i);
            } else if (x[pz] > 0) { // one x along the run: g or +0 all along
                System.arraycopy(g, pg, y, py, up);
            } else {
                java.util.Arrays.fill(y, py, py + up, 0f);
            }
        }

        /** g * fma(-y, y, 1) (g at px with stride sa, y at pz with stride sb). */
        private static void tanhBackward(float[] g, int pg, int sa, float[] t, int pt, int sb, float[] y, int py, int up) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            if (sa == 1 && sb == 1) {
                for (int i = 0; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, t, pt + i);
                    FloatVector.fromArray(S, g, pg + i).mul(v.neg().fma(v, one)).intoArray(y, py + i);
                }
            } else if (sa == 0) {
                FloatVector gv = FloatVector.broadcast(S, g[pg]);
                for (int i = 0; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, t, pt + i);
                    gv.mul(v.neg().fma(v, one)).intoArray(y, py + i);
                }
            } else {
                float d = Math.fma(-t[pt], t[pt], 1f);
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, g, pg + i).mul(d).intoArray(y, py + i);
            }
        }

        /** (g * y) * (1 - y) (g at px with stride sa, y at pz with stride sb). */
        private static void sigmoidBackward(float[] g, int pg, int sa, float[] s, int ps, int sb, float[] y, int py, int up) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            if (sa == 1 && sb == 1) {
                for (int i = 0; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, s, ps + i);
                    FloatVector.fromArray(S, g, pg + i).mul(v).mul(one.sub(v)).intoArray(y, py + i);
                }
            } else if (sa == 0) {
                FloatVector gv = FloatVector.broadcast(S, g[pg]);
                for (int i = 0; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, s, ps + i);
                    gv.mul(v).mul(one.sub(v)).intoArray(y, py + i);
                }
            } else {
                float v = s[ps], d = 1f - v;
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, g, pg + i).mul(v).mul(d).intoArray(y, py + i);
            }
        }

        /** y = c ? x : z with a unit condition; x and z of stride 1 or 0. */
        static void where(boolean[] c, int pc, float[] x, int pa, int sa, float[] z, int pb, int sb, float[] y, int py, int n) {
            int up = S.loopBound(n);
            for (int b = 0; b < up; b += BLOCK) {
                int m = Math.min(BLOCK, up - b);
                if (sa == 1) whereFromA(c, pc + b, x, pa + b, z, pb + b * sb, sb, y, py + b, m);
                else whereScalarA(c, pc + b, x[pa], z, pb + b * sb, sb, y, py + b, m);
            }
            whereF32(c, pc + up, 1, x, pa + up * sa, sa, z, pb + up * sb, sb, y, py + up, 1, n - up);
        }

        private static void whereFromA(boolean[] c, int pc, float[] x, int pa, float[] z, int pb, int sb, float[] y, int py, int up) {
            if (sb == 1) {
                for (int i = 0; i < up; i += L) {
                    FloatVector.fromArray(S, z, pb + i).blend(FloatVector.fromArray(S, x, pa + i), VectorMask.fromArray(S, c, pc + i)).intoArray(y, py + i);
                }
            } else {
                FloatVector b = FloatVector.broadcast(S, z[pb]);
                for (int i = 0; i < up; i += L) b.blend(FloatVector.fromArray(S, x, pa + i), VectorMask.fromArray(S, c, pc + i)).intoArray(y, py + i);
            }
        }

        /** masked_fill's form: the value a where c, else z. */
        private static void whereScalarA(boolean[] c, int pc, float a, float[] z, int pb, int sb, float[] y, int py, int up) {
            FloatVector av = FloatVector.broadcast(S, a);
            if (sb == 1) {
                for (int i = 0; i < up; i += L) FloatVector.fromArray(S, z, pb + i).blend(av, VectorMask.fromArray(S, c, pc + i)).intoArray(y, py + i);
            } else {
                FloatVector b = FloatVector.broadcast(S, z[pb]);
                for (int i = 0; i < up; i += L) b.blend(av, VectorMask.fromArray(S, c, pc + i)).intoArray(y, py + i);
            }
        }
    }
}
