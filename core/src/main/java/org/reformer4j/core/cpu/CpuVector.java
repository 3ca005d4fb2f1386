package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.UnaryOp;

/**
 * Vector API twins of the float32 row kernels (unit strides). Loaded only when {@link VectorSupport#ENABLED};
 * each method returns false for an op it has no vector form of, and finishes its tail with the scalar loop
 * it mirrors ({@link CpuElementwise#unaryF32}, {@link CpuElementwise#binaryF32}, {@link CpuRows}).
 */
final class CpuVector {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * Lanes of a vector. Callers hand runs shorter than this to the scalar loops instead: a vector kernel whose
     * loop was compiled never seeing an empty trip count deoptimises on the first one (C2's unstable_if trap)
     * and runs interpreted, boxing every vector, until it is compiled again.
     */
    static final int LANES = L;
    /** Elements per call of a GELU vector loop (a multiple of every vector length). */
    private static final int GELU_BLOCK = 4096;

    private CpuVector() {}

    /**
     * e^x for float32 lanes with only IEEE adds, multiplies and FMAs ({@link CpuElementwise#expF32} is its
     * scalar twin, bit for bit): the Vector API's own EXP may give different last bits before and after C2
     * compiles a loop, which would make a training run depend on JIT timing.
     */
    static FloatVector exp(FloatVector x) {
        // no clamp of x into [EXP_LO, EXP_OVER] as the scalar twin has: the blends below replace every lane
        // outside it, and a vector max/min with Java's NaN and -0 rules costs as much as the polynomial
        FloatVector n = exponentOf(x);
        // 2^(n-1) as a float: the low mantissa bits of (n + 126) + 2^23 hold the biased exponent n - 1 + 127
        // (cheaper than a float-to-int conversion; the same bits as the scalar twin's integer add)
        IntVector e = n.add(126f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23);
        FloatVector y = expOfRest(x, n).mul(e.reinterpretAsFloats()).mul(2f);
        y = y.blend(0f, x.compare(VectorOperators.LT, CpuElementwise.EXP_LO));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, CpuElementwise.EXP_OVER));
        return y.blend(x, x.compare(VectorOperators.NE, x));
    }

    /**
     * e^b for b <= 0 or NaN, the bits of {@link #exp} (and so of expF32) on those arguments with three
     * fewer operations: 2^n is a normal float for every n that is not flushed (b >= -86.6), so one scaling by it
     * replaces 2^(n-1) and 2, no lane can overflow, and a NaN carries through the polynomial by itself.
     */
    static FloatVector expNonPositive(FloatVector b) {
        FloatVector n = exponentOf(b);
        return expOfRest(b, n).mul(powerOfTwo(n)).blend(0f, b.compare(VectorOperators.LT, CpuElementwise.EXP_LO));
    }

    /**
     * 2^n as a float for integer-valued n in [-126, 127]: the low mantissa bits of (n + 127) + 2^23 hold the
     * biased exponent (cheaper than a float-to-int conversion).
     */
    private static FloatVector powerOfTwo(FloatVector n) {
        return n.add(127f + 8388608f).reinterpretAsInts().sub(0x4B000000).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** n = rint(x log2 e), by the 1.5 * 2^23 rounding trick. */
    private static FloatVector exponentOf(FloatVector x) {
        return x.fma(FloatVector.broadcast(S, CpuElementwise.LOG2E), FloatVector.broadcast(S, CpuElementwise.ROUNDER)).sub(CpuElementwise.ROUNDER);
    }

    /** e^r for r = x - n ln2: 1 + r q (the degree-7 Taylor polynomial). */
    private static FloatVector expOfRest(FloatVector x, FloatVector n) {
        FloatVector r = reduced(x, n);
        return expTail(r).fma(r, FloatVector.broadcast(S, 1f));
    }

    /** r = x - n ln2, ln2 in two parts (an exact reduction). */
    private static FloatVector reduced(FloatVector x, FloatVector n) {
        FloatVector r = n.fma(FloatVector.broadcast(S, -CpuElementwise.LN2_HI), x);
        return n.fma(FloatVector.broadcast(S, -CpuElementwise.LN2_LO), r);
    }

    /** q with e^r = 1 + r q: 1 + r/2 + r^2/6 + ... + r^6/5040 by Horner steps. */
    private static FloatVector expTail(FloatVector r) {
        FloatVector p = r.fma(FloatVector.broadcast(S, CpuElementwise.E7), FloatVector.broadcast(S, CpuElementwise.E6));
        p = p.fma(r, FloatVector.broadcast(S, CpuElementwise.E5));
        p = p.fma(r, FloatVector.broadcast(S, CpuElementwise.E4));
        p = p.fma(r, FloatVector.broadcast(S, CpuElementwise.E3));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f));
        return p.fma(r, FloatVector.broadcast(S, 1f));
    }

    /**
     * e^t - 1 for t <= 0 or NaN, with relative accuracy near 0 (twin: TranscendentalF32.expm1NonPositiveF32):
     * 2^n (1 + r q) - 1 as 2^n q r + (2^n - 1), exact in 2^n - 1 since n is an integer in [-125, 0]; -1 below
     * -86.6, where the exponential flushes.
     */
    static FloatVector expm1NonPositive(FloatVector t) {
        FloatVector n = exponentOf(t), r = reduced(t, n), two = powerOfTwo(n);
        return two.mul(expTail(r)).fma(r, two.sub(1f)).blend(-1f, t.compare(VectorOperators.LT, CpuElementwise.EXP_LO));
    }

    private static final ThreadLocal<float[]> LANE_SCRATCH = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * Sum of the lanes in lane order. {@code reduceLanes(ADD)} leaves the order open, and its compiled and
     * interpreted forms differ in the last bits, which would make results depend on JIT timing.
     */
    static float sumLanes(FloatVector v) {
        // constant lane indices compile to register extracts; a thread-local scratch array cost more than the
        // sum itself in the many short reductions of a decoding step (one dot product per vocabulary row)
        if (L == 16) {
            return (((((((((((((((0f + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6))
                    + v.lane(7)) + v.lane(8)) + v.lane(9)) + v.lane(10)) + v.lane(11)) + v.lane(12)) + v.lane(13))
                    + v.lane(14)) + v.lane(15);
        }
        if (L == 8) {
            return (((((((0f + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6)) + v.lane(7);
        }
        if (L == 4) return (((0f + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3);
        float[] t = LANE_SCRATCH.get();
        v.intoArray(t, 0);
        float s = 0f;
        for (int i = 0; i < L; i++) s += t[i];
        return s;
    }

    static boolean unary(UnaryOp op, float p, float[] x, int px, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        switch (op) {
            case ADD_SCALAR -> { for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).add(p).intoArray(y, py + i); }
            case MUL_SCALAR -> { for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).mul(p).intoArray(y, py + i); }
            case NEG -> { for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).neg().intoArray(y, py + i); }
            case RELU -> { for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).max(0f).intoArray(y, py + i); }
            case SQUARE -> {
                for (; i < up; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, px + i);
                    v.mul(v).intoArray(y, py + i);
                }
            }
            case GELU -> {
                // in blocks: each call's loop exits often, so C2 compiles the loop exit as a branch, not as an
                // uncommon trap that an OSR compilation of one long call would hit when the call ends
                for (int b = 0; b < up; b += GELU_BLOCK) GeluVector.forward(x, px + b, y, py + b, Math.min(GELU_BLOCK, up - b));
                i = up;
            }
            default -> {
                if (!UnaryVector.usable() || !unaryMore(op, p, x, px, y, py, up)) return false;
                i = up;
            }
        }
        CpuElementwise.unaryF32(op, p, x, px + i, 1, y, py + i, 1, n - i);
        return true;
    }

    /** min(max(x, lo), hi) over the whole vectors of [0, n) (in blocks, as GELU's); returns how many it did. */
    static int clamp(float lo, float hi, float[] x, int px, float[] y, int py, int n) {
        int up = S.loopBound(n);
        for (int b = 0; b < up; b += GELU_BLOCK) UnaryVector.clamp(lo, hi, x, px + b, y, py + b, Math.min(GELU_BLOCK, up - b));
        return up;
    }

    /** The ops of {@link UnaryVector} over [0, up) in blocks (as GELU's); false for an op it has no loop for. */
    private static boolean unaryMore(UnaryOp op, float p, float[] x, int px, float[] y, int py, int up) {
        if (op == UnaryOp.POW_SCALAR && !Float.isFinite(p)) return false;
        for (int b = 0; b < up; b += GELU_BLOCK) {
            int m = Math.min(GELU_BLOCK, up - b), xb = px + b, yb = py + b;
            switch (op) {
                case EXP -> UnaryVector.exp(x, xb, y, yb, m);
                case LOG -> UnaryVector.log(x, xb, y, yb, m);
                case TANH -> UnaryVector.tanh(x, xb, y, yb, m);
                case SIGMOID -> UnaryVector.sigmoid(x, xb, y, yb, m);
                case GELU_TANH -> UnaryVector.geluTanh(x, xb, y, yb, m);
                case SQRT -> UnaryVector.sqrt(x, xb, y, yb, m);
                case RSQRT -> UnaryVector.rsqrt(x, xb, y, yb, m);
                case RECIPROCAL -> UnaryVector.reciprocal(x, xb, y, yb, m);
                case ABS -> UnaryVector.abs(x, xb, y, yb, m);
                case RSUB_SCALAR -> UnaryVector.rsubScalar(p, x, xb, y, yb, m);
                case LEAKY_RELU -> UnaryVector.leakyRelu(p, x, xb, y, yb, m);
                case CLAMP_MIN -> UnaryVector.clampMin(p, x, xb, y, yb, m);
                case CLAMP_MAX -> UnaryVector.clampMax(p, x, xb, y, yb, m);
                case POW_SCALAR -> {
                    if (p == 1f) System.arraycopy(x, xb, y, yb, m);
                    else if (p == 2f) unary(UnaryOp.SQUARE, 0f, x, xb, y, yb, m);
                    else if (p == 3f) UnaryVector.cube(x, xb, y, yb, m);
                    else if (p == 0.5f) UnaryVector.powHalf(x, xb, y, yb, m);
                    else if (p == -1f) UnaryVector.reciprocal(x, xb, y, yb, m);
                    else UnaryVector.powGeneral(p, x, xb, y, yb, m);
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean binary(BinaryOp op, float[] x, int px, float[] z, int pz, int sb, float[] y, int py, int n) {
        if (op == BinaryOp.GELU_BACKWARD && sb == 1) {
            int up = S.loopBound(n);
            for (int b = 0; b < up; b += GELU_BLOCK) GeluVector.backward(x, px + b, z, pz + b, y, py + b, Math.min(GELU_BLOCK, up - b));
            CpuElementwise.binaryF32(op, x, px + up, 1, z, pz + up, 1, y, py + up, 1, n - up);
            return true;
        }
        // one loop per op: C2 only intrinsifies lanewise ops whose operator is a constant at the call
        int i = 0, up = S.loopBound(n);
        switch (op) {
            case ADD -> {
                if (sb == 1) for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).add(FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
                else for (FloatVector c = FloatVector.broadcast(S, z[pz]); i < up; i += L) FloatVector.fromArray(S, x, px + i).add(c).intoArray(y, py + i);
            }
            case SUB -> {
                if (sb == 1) for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).sub(FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
                else for (FloatVector c = FloatVector.broadcast(S, z[pz]); i < up; i += L) FloatVector.fromArray(S, x, px + i).sub(c).intoArray(y, py + i);
            }
            case MUL -> {
                if (sb == 1) for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).mul(FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
                else for (FloatVector c = FloatVector.broadcast(S, z[pz]); i < up; i += L) FloatVector.fromArray(S, x, px + i).mul(c).intoArray(y, py + i);
            }
            case DIV -> {
                if (sb == 1) for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).div(FloatVector.fromArray(S, z, pz + i)).intoArray(y, py + i);
                else for (FloatVector c = FloatVector.broadcast(S, z[pz]); i < up; i += L) FloatVector.fromArray(S, x, px + i).div(c).intoArray(y, py + i);
            }
            default -> {
                return false;
            }
        }
        CpuElementwise.binaryF32(op, x, px + i, 1, z, pz + i * sb, sb, y, py + i, 1, n - i);
        return true;
    }

    /** sum of exp(x - shift) over x[p .. p+n) (the logsumexp of a row once its max is known). */
    static float expShiftSum(float[] x, int p, float shift, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) acc = acc.add(exp(FloatVector.fromArray(S, x, p + i).sub(shift)));
        float s = sumLanes(acc);
        for (; i < n; i++) s += (float) Math.exp(x[p + i] - shift);
        return s;
    }

    /**
     * sum of x[p .. p+n): two accumulators over pairs of vectors (one add chain would wait on the add latency),
     * a last odd vector into the first, lanes in order, then the scalar tail. {@link #normalizeNextSum} sums
     * the same way, bit for bit.
     */
    static float sum(float[] x, int p, int n) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n), up2 = up - up % (2 * L);
        for (; i < up2; i += 2 * L) {
            a0 = a0.add(FloatVector.fromArray(S, x, p + i));
            a1 = a1.add(FloatVector.fromArray(S, x, p + i + L));
        }
        if (i < up) {
            a0 = a0.add(FloatVector.fromArray(S, x, p + i));
            i += L;
        }
        float s = sumLanes(a0.add(a1));
        for (; i < n; i++) s += x[p + i];
        return s;
    }

    /**
     * max of x[p .. p+n), n >= 1, as the shift of a softmax or logsumexp row. Lanes keep the larger value by a
     * compare and blend: FloatVector.max with Java's NaN and -0 rules costs three times as much. A NaN element
     * may therefore be skipped (and -0 may stand for +0); the callers' next pass, exp(x - max), carries any NaN
     * into their result all the same.
     */
    static float max(float[] x, int p, int n) {
        int i = 0, up = S.loopBound(n);
        float m = Float.NEGATIVE_INFINITY;
        if (up > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, p + i);
                acc = acc.blend(v, acc.compare(VectorOperators.LT, v));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[p + i]);
        return m;
    }

    /** y = exp(x - shift) for n elements; returns their sum. */
    static float expShiftSum(float[] x, int px, float shift, float[] y, int py, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, px + i).sub(shift));
            e.intoArray(y, py + i);
            acc = acc.add(e);
        }
        float s = sumLanes(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[px + i] - shift);
            y[py + i] = e;
            s += e;
        }
        return s;
    }

    /**
     * {@link #expShiftSum(float[], int, float, float[], int, int)} of the row at px into y and, in the same loop,
     * {@link #max} of the row at pNext (same length, n >= L), left in nextMax[0]; the same bits as the two calls.
     * Softmax rows run this way so that the next row's reads from memory overlap this row's exponentials,
     * rather than each row waiting on memory in its own max pass first.
     */
    static float expShiftSumNextMax(float[] x, int px, float shift, float[] y, int py, int n, int pNext, float[] nextMax) {
        FloatVector acc = FloatVector.zero(S), mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            // the next row's load comes before this row's store: a load after a store to an address 4 KiB apart
            // (the same low 12 bits, as x and y rows often are) waits on that store (4K aliasing)
            FloatVector v = FloatVector.fromArray(S, x, pNext + i);
            mx = mx.blend(v, mx.compare(VectorOperators.LT, v));
            FloatVector e = exp(FloatVector.fromArray(S, x, px + i).sub(shift));
            e.intoArray(y, py + i);
            acc = acc.add(e);
        }
        float s = sumLanes(acc), m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[px + i] - shift);
            y[py + i] = e;
            s += e;
            m = Math.max(m, x[pNext + i]);
        }
        nextMax[0] = m;
        return s;
    }

    /**
     * One pass of the softmax row pipeline: row r-1's normalisation {@code y[pPrev ..] *= inv}, row r's
     * {@code y[py ..] = exp(x[px ..] - shift)} (returns its sum) and row r+1's max at pNext into nextMax[0], the
     * same bits as scale, expShiftSum and max one after the other; rows of n >= L floats, pPrev's row not py's.
     * All loads of an iteration come before its stores (see expShiftSumNextMax: 4K aliasing).
     */
    static float softmaxPipelined(float[] x, int px, float shift, float[] y, int py, int n, int pPrev, float inv, int pNext, float[] nextMax) {
        FloatVector acc = FloatVector.zero(S), mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, pNext + i);
            mx = mx.blend(v, mx.compare(VectorOperators.LT, v));
            FloatVector e = exp(FloatVector.fromArray(S, x, px + i).sub(shift));
            FloatVector prev = FloatVector.fromArray(S, y, pPrev + i).mul(inv);
            e.intoArray(y, py + i);
            acc = acc.add(e);
            prev.intoArray(y, pPrev + i);
        }
        float s = sumLanes(acc), m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[pNext + i]);
            float e = (float) Math.exp(x[px + i] - shift);
            y[pPrev + i] *= inv;
            y[py + i] = e;
            s += e;
        }
        nextMax[0] = m;
        return s;
    }

    /**
     * One pass of the log-softmax row pipeline: row r-1's {@code y[pyPrev ..] = x[pxPrev ..] + negLse}, the sum of
     * row r's exp(x[px ..] - shift) (returned; nothing stored) and row r+1's max at pNext into nextMax[0]: the same
     * bits as addScalar, expShiftSum and max; rows of n >= L floats.
     */
    static float logSoftmaxPipelined(float[] x, int px, float shift, int n, int pxPrev, float negLse, float[] y, int pyPrev, int pNext,
                                     float[] nextMax) {
        FloatVector acc = FloatVector.zero(S), mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, pNext + i);
            mx = mx.blend(v, mx.compare(VectorOperators.LT, v));
            acc = acc.add(exp(FloatVector.fromArray(S, x, px + i).sub(shift)));
            FloatVector.fromArray(S, x, pxPrev + i).add(negLse).intoArray(y, pyPrev + i);
        }
        float s = sumLanes(acc), m = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[pNext + i]);
            s += (float) Math.exp(x[px + i] - shift);
            y[pyPrev + i] = x[pxPrev + i] + negLse;
        }
        nextMax[0] = m;
        return s;
    }

    /** y = x + c (twin of {@link CpuRows#addScalarF32}). */
    static void addScalar(float[] x, int px, float c, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) FloatVector.fromArray(S, x, px + i).add(c).intoArray(y, py + i);
        CpuRows.addScalarF32(x, px + i, c, y, py + i, n - i);
    }

    /** y *= s in place (twin of {@link CpuRows#scaleF32}). */
    static void scale(float[] y, int py, float s, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) FloatVector.fromArray(S, y, py + i).mul(s).intoArray(y, py + i);
        CpuRows.scaleF32(y, py + i, s, n - i);
    }

    /** d = y * (g - s) (twin of {@link CpuRows#mulDiffF32}). */
    static void mulDiff(float[] y, int py, float[] g, int pg, float s, float[] d, int pd, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector.fromArray(S, y, py + i).mul(FloatVector.fromArray(S, g, pg + i).sub(s)).intoArray(d, pd + i);
        }
        CpuRows.mulDiffF32(y, py + i, g, pg + i, s, d, pd + i, n - i);
    }

    /** y += alpha * x over n elements. */
    static void axpy(float alpha, float[] x, int px, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector.fromArray(S, x, px + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, y, py + i)).intoArray(y, py + i);
        }
        for (; i < n; i++) y[py + i] += alpha * x[px + i];
    }

    /** y = s * exp(x - shift), the cross-entropy gradient's softmax part. */
    static void expShiftScale(float[] x, int px, float shift, float s, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            exp(FloatVector.fromArray(S, x, px + i).sub(shift)).mul(s).intoArray(y, py + i);
        }
        for (; i < n; i++) y[py + i] = s * (float) Math.exp(x[px + i] - shift);
    }

    /** sum over the row of (x - mean)^2. */
    static float sumSqDev(float[] x, int p, float mean, int n) {
        // four FMA chains over groups of four vectors (one chain waits on the FMA latency), then single vectors
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n), up4 = up - up % (4 * L);
        for (; i < up4; i += 4 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, p + i).sub(mean), d1 = FloatVector.fromArray(S, x, p + i + L).sub(mean);
            FloatVector d2 = FloatVector.fromArray(S, x, p + i + 2 * L).sub(mean), d3 = FloatVector.fromArray(S, x, p + i + 3 * L).sub(mean);
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
            a2 = d2.fma(d2, a2);
            a3 = d3.fma(d3, a3);
        }
        for (; i < up; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, p + i).sub(mean);
            a0 = d.fma(d, a0);
        }
        float s = sumLanes(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            float d = x[p + i] - mean;
            s += d * d;
        }
        return s;
    }

    /** y = (x - mean) * rstd * w + b (w, b may be null). */
    static void normalize(float[] x, int px, float mean, float rstd, float[] w, float[] b, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, px + i).sub(mean).mul(rstd);
            if (w != null) v = v.mul(FloatVector.fromArray(S, w, i));
            if (b != null) v = v.add(FloatVector.fromArray(S, b, i));
            v.intoArray(y, py + i);
        }
        for (; i < n; i++) y[py + i] = normalized(x[px + i], mean, rstd, w, b, i);
    }

    /**
     * {@link #normalize} of the row at px into y and, in the same loop, {@link #sum} of the row at pNext (same
     * length n, the same bits as sum: even vectors into one accumulator, odd ones into the other, by swapping them):
     * layer norm's next row is read from memory while this row is written. The lane arithmetic is written out in
     * the loop, not in a helper returning a vector: CpuLayerNorm's row loop inlines this method, and when C2 ran
     * out of its node budget there (NodeCountInliningCutoff) before inlining such a helper it boxed every vector
     * (2-3x slower, in some JVM runs and not others); the Vector API's own methods are always inlined.
     */
    static float normalizeNextSum(float[] x, int px, float mean, float rstd, float[] w, float[] b, float[] y, int py, int n, int pNext) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector next = FloatVector.fromArray(S, x, pNext + i); // loaded before this row's store (4K aliasing)
            FloatVector v = FloatVector.fromArray(S, x, px + i).sub(mean).mul(rstd);
            if (w != null) v = v.mul(FloatVector.fromArray(S, w, i));
            if (b != null) v = v.add(FloatVector.fromArray(S, b, i));
            v.intoArray(y, py + i);
            FloatVector t = a0.add(next);
            a0 = a1;
            a1 = t;
        }
        float s = sumLanes(a0.add(a1));
        for (; i < n; i++) {
            y[py + i] = normalized(x[px + i], mean, rstd, w, b, i);
            s += x[pNext + i];
        }
        return s;
    }

    /** (x - mean) * rstd * w[c] + b[c] for one element (w, b may be null): the scalar lane of normalize. */
    private static float normalized(float x, float mean, float rstd, float[] w, float[] b, int c) {
        float v = (x - mean) * rstd;
        if (w != null) v *= w[c];
        if (b != null) v += b[c];
        return v;
    }

    /**
     * Layer norm's backward for one row of n >= L floats (CpuLayerNorm.backward's scalar loop in vectors, the
     * row sums in lanes): with xh = (x - mean) rstd and gh = g w (g without a weight), dw += g xh and db += g
     * over the row, then dx = rstd (gh - mean(gh) - xh mean(gh xh)).
     */
    static void layerNormBackwardRow(float[] x, int px, float[] g, int pg, float[] w, float mean, float rstd, float[] dw, float[] db,
                                     float[] dx, int pd, int n) {
        FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector xh = FloatVector.fromArray(S, x, px + i).sub(mean).mul(rstd), gv = FloatVector.fromArray(S, g, pg + i);
            FloatVector gh = w == null ? gv : gv.mul(FloatVector.fromArray(S, w, i));
            sg = sg.add(gh);
            sgx = gh.fma(xh, sgx);
            gv.fma(xh, FloatVector.fromArray(S, dw, i)).intoArray(dw, i);
            gv.add(FloatVector.fromArray(S, db, i)).intoArray(db, i);
        }
        float sumG = sumLanes(sg), sumGX = sumLanes(sgx);
        for (int c = i; c < n; c++) {
            float xh = (x[px + c] - mean) * rstd, gh = w == null ? g[pg + c] : g[pg + c] * w[c];
            sumG += gh;
            sumGX += gh * xh;
            dw[c] += g[pg + c] * xh;
            db[c] += g[pg + c];
        }
        float mg = sumG / n, mgx = sumGX / n;
        for (i = 0; i < up; i += L) {
            FloatVector xh = FloatVector.fromArray(S, x, px + i).sub(mean).mul(rstd), gv = FloatVector.fromArray(S, g, pg + i);
            FloatVector gh = w == null ? gv : gv.mul(FloatVector.fromArray(S, w, i));
            gh.sub(mg).sub(xh.mul(mgx)).mul(rstd).intoArray(dx, pd + i);
        }
        for (int c = i; c < n; c++) {
            float xh = (x[px + c] - mean) * rstd, gh = w == null ? g[pg + c] : g[pg + c] * w[c];
            dx[pd + c] = rstd * (gh - mg - xh * mgx);
        }
    }

    /** dot product of two rows. */
    static float dot(float[] a, int pa, float[] b, int pb, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) acc = FloatVector.fromArray(S, a, pa + i).fma(FloatVector.fromArray(S, b, pb + i), acc);
        float s = sumLanes(acc);
        for (; i < n; i++) s += a[pa + i] * b[pb + i];
        return s;
    }

    /** y[i] = s * x[i] + t * y[i]... specialised: y = a - c * b (elementwise a, b), c scalar. */
    static void subScaled(float[] a, int pa, float[] b, int pb, float c, float[] y, int py, int n) {
        int i = 0, up = S.loopBound(n);
        for (; i < up; i += L) {
            FloatVector.fromArray(S, b, pb + i).mul(-c).add(FloatVector.fromArray(S, a, pa + i)).intoArray(y, py + i);
        }
        for (; i < n; i++) y[py + i] = a[pa + i] - c * b[pb + i];
    }
}
