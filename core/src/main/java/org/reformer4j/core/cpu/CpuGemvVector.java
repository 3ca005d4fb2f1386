package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link CpuGemv#dotRows}: four dot products W[j..j+3, :] . x per pass, so each vector of x
 * is loaded once for four weight rows (a decoding step's projections and its 128 x 21128 output GEMV are
 * bound by the weight stream, not by arithmetic). Each row's lanes are accumulated and summed in the same
 * order as {@link CpuVector#dot}, so a row's result is bit-identical to the one-row kernel.
 */
final class CpuGemvVector {
    private static final VectorSpecies<Float> S = CpuVector.S;
    private static final int L = S.length();

    private CpuGemvVector() {}

    /** c[j] = W[j, :] . x for j in [j0, j0 + 4 * floor((j1 - j0) / 4)); returns the first row not done. */
    static int dotRows4(float[] w, int wOff, int ldw, float[] x, int xOff, int k, float[] c, int cOff, int j0, int j1) {
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
            float s0 = CpuVector.sumLanes(a0), s1 = CpuVector.sumLanes(a1), s2 = CpuVector.sumLanes(a2), s3 = CpuVector.sumLanes(a3);
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
        return j;
    }
}
