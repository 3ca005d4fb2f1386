package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link CpuGemv#dotRows}: four dot products W[j..j+3, :] . x per pass, so each vector of x
 * is loaded once for four weight rows (a decoding step's projections and its 128 x 21128 output GEMV are
 * bound by the weight stream, not by arithmetic). Each row's lanes are then summed by a fixed tree of lane
 * swaps (lane i + lane i ^ L/2, then i ^ L/4, ... : log2 L shuffles and adds instead of L lane extractions,
 * which cost as much as the products at k = 128); the order is fixed, so compiled and interpreted code give
 * the same bits, and a row's result does not depend on whether it was summed in a group of four or alone.
 */
final class CpuGemvVector {
    private static final VectorSpecies<Float> S = CpuVector.S;
    private static final int L = S.length();
    /** SWAPS[i] pairs lane j with lane j ^ (L >> (i + 1)). */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] SWAPS = new VectorShuffle[Integer.numberOfTrailingZeros(L)];

    static {
        for (int i = 0; i < SWAPS.length; i++) {
            int d = L >> (i + 1);
            SWAPS[i] = VectorShuffle.fromOp(S, j -> j ^ d);
        }
    }

    private CpuGemvVector() {}

    /** The sum of v's lanes by the fixed swap tree. */
    static float sumTree(FloatVector v) {
        for (VectorShuffle<Float> s : SWAPS) v = v.add(v.rearrange(s));
        return v.lane(0);
    }

    /** c[j] = W[j, :] . x for j in [j0, j1). */
    static void dotRows(float[] w, int wOff, int ldw, float[] x, int xOff, int k, float[] c, int cOff, int j0, int j1) {
        int up = S.loopBound(k), j = j0;
        for (; j + 4 <= j1; j += 4) {
            int r0 = wOff + j * ldw, r1 = r0 + ldw, r2 = r1 + ldw, r3 = r2 + ldw;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int p = 0;
            for (; p < up; p += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + p);
                a0 = xv.fma(FloatVector.fromArray(S, w, r0 + p), a0);
                a1 = xv.fma(FloatVector.fromArray(S, w, r1 + p), a1);
                a2 = xv.fma(FloatVector.fromArray(S, w, r2 + p), a2);
                a3 = xv.fma(FloatVector.fromArray(S, w, r3 + p), a3);
            }
            float s0 = sumTree(a0), s1 = sumTree(a1), s2 = sumTree(a2), s3 = sumTree(a3);
            for (; p < k; p++) {
                float xp = x[xOff + p];
                s0 += xp * w[r0 + p];
                s1 += xp * w[r1 + p];
                s2 += xp * w[r2 + p];
                s3 += xp * w[r3 + p];
            }
            c[cOff + j] = s0;
            c[cOff + j + 1] = s1;
            c[cOff + j + 2] = s2;
            c[cOff + j + 3] = s3;
        }
        for (; j < j1; j++) {
            int r = wOff + j * ldw;
            FloatVector a = FloatVector.zero(S);
            int p = 0;
            for (; p < up; p += L) a = FloatVector.fromArray(S, x, xOff + p).fma(FloatVector.fromArray(S, w, r + p), a);
            float s = sumTree(a);
            for (; p < k; p++) s += x[xOff + p] * w[r + p];
            c[cOff + j] = s;
        }
    }
}
