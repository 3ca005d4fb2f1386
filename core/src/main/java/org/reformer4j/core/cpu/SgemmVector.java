package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernels of {@link SgemmBlocked}: a register tile of C held in FMA accumulators while k
 * runs over packed panels (the BLIS/GotoBLAS micro-kernel: broadcast one A value per row, multiply it with
 * whole vectors of a B row). {@link SgemmScalar#kernel} is the scalar twin and test oracle. Loaded only
 * when {@link VectorSupport#ENABLED}. Version 1 is 12 rows x 2 vectors, version 2 is 6 rows x 4 vectors
 * (24 accumulators, 2-4 B vectors and the broadcasts in the 32 AVX-512 registers), version 3 is 10 rows
 * x 2 vectors (20 accumulators, which leaves the register allocator room to spare), version 4 is 8 rows
 * x 2 vectors, for products whose row count is a multiple of 8 but not of 12 (attention's 64-row chunks).
 */
final class SgemmVector {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector (16 with AVX-512). */
    static final int VL = F.length();

    private SgemmVector() {}

    /** The 12 x 2*VL tile: 24 accumulators, 2 vector loads and 12 broadcasts per step of k. */
    static void kernel12x2(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 12, bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ao + 0]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, ap[ao + 6]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, ap[ao + 7]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
            FloatVector a8 = FloatVector.broadcast(F, ap[ao + 8]);
            c8_0 = a8.fma(b0, c8_0); c8_1 = a8.fma(b1, c8_1);
            FloatVector a9 = FloatVector.broadcast(F, ap[ao + 9]);
            c9_0 = a9.fma(b0, c9_0); c9_1 = a9.fma(b1, c9_1);
            FloatVector a10 = FloatVector.broadcast(F, ap[ao + 10]);
            c10_0 = a10.fma(b0, c10_0); c10_1 = a10.fma(b1, c10_1);
            FloatVector a11 = FloatVector.broadcast(F, ap[ao + 11]);
            c11_0 = a11.fma(b0, c11_0); c11_1 = a11.fma(b1, c11_1);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c6_0, alpha, betaV, m0, rd0, c, ci + 6 * ldc + 0 * VL); store(c6_1, alpha, betaV, m1, rd1, c, ci + 6 * ldc + 1 * VL);
        store(c7_0, alpha, betaV, m0, rd0, c, ci + 7 * ldc + 0 * VL); store(c7_1, alpha, betaV, m1, rd1, c, ci + 7 * ldc + 1 * VL);
        store(c8_0, alpha, betaV, m0, rd0, c, ci + 8 * ldc + 0 * VL); store(c8_1, alpha, betaV, m1, rd1, c, ci + 8 * ldc + 1 * VL);
        store(c9_0, alpha, betaV, m0, rd0, c, ci + 9 * ldc + 0 * VL); store(c9_1, alpha, betaV, m1, rd1, c, ci + 9 * ldc + 1 * VL);
        store(c10_0, alpha, betaV, m0, rd0, c, ci + 10 * ldc + 0 * VL); store(c10_1, alpha, betaV, m1, rd1, c, ci + 10 * ldc + 1 * VL);
        store(c11_0, alpha, betaV, m0, rd0, c, ci + 11 * ldc + 0 * VL); store(c11_1, alpha, betaV, m1, rd1, c, ci + 11 * ldc + 1 * VL);
    }

    /** The 6 x 4*VL tile: 24 accumulators, 4 vector loads and 6 broadcasts per step of k. */
    static void kernel6x4(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long w2 = laneBits(cols - 2 * VL);
        long w3 = laneBits(cols - 3 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        VectorMask<Float> m2 = VectorMask.fromLong(F, w2), rd2 = VectorMask.fromLong(F, w2 & readC);
        VectorMask<Float> m3 = VectorMask.fromLong(F, w3), rd3 = VectorMask.fromLong(F, w3 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c0_2 = FloatVector.zero(F), c0_3 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c1_2 = FloatVector.zero(F), c1_3 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c2_2 = FloatVector.zero(F), c2_3 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c3_2 = FloatVector.zero(F), c3_3 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c4_2 = FloatVector.zero(F), c4_3 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c5_2 = FloatVector.zero(F), c5_3 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 6, bo = bi + p * 4 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(F, bp, bo + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(F, bp, bo + 3 * VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ao + 0]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            c0_2 = a0.fma(b2, c0_2); c0_3 = a0.fma(b3, c0_3);
            FloatVector a1 = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            c1_2 = a1.fma(b2, c1_2); c1_3 = a1.fma(b3, c1_3);
            FloatVector a2 = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            c2_2 = a2.fma(b2, c2_2); c2_3 = a2.fma(b3, c2_3);
            FloatVector a3 = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            c3_2 = a3.fma(b2, c3_2); c3_3 = a3.fma(b3, c3_3);
            FloatVector a4 = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            c4_2 = a4.fma(b2, c4_2); c4_3 = a4.fma(b3, c4_3);
            FloatVector a5 = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            c5_2 = a5.fma(b2, c5_2); c5_3 = a5.fma(b3, c5_3);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c0_2, alpha, betaV, m2, rd2, c, ci + 0 * ldc + 2 * VL); store(c0_3, alpha, betaV, m3, rd3, c, ci + 0 * ldc + 3 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c1_2, alpha, betaV, m2, rd2, c, ci + 1 * ldc + 2 * VL); store(c1_3, alpha, betaV, m3, rd3, c, ci + 1 * ldc + 3 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c2_2, alpha, betaV, m2, rd2, c, ci + 2 * ldc + 2 * VL); store(c2_3, alpha, betaV, m3, rd3, c, ci + 2 * ldc + 3 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c3_2, alpha, betaV, m2, rd2, c, ci + 3 * ldc + 2 * VL); store(c3_3, alpha, betaV, m3, rd3, c, ci + 3 * ldc + 3 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c4_2, alpha, betaV, m2, rd2, c, ci + 4 * ldc + 2 * VL); store(c4_3, alpha, betaV, m3, rd3, c, ci + 4 * ldc + 3 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c5_2, alpha, betaV, m2, rd2, c, ci + 5 * ldc + 2 * VL); store(c5_3, alpha, betaV, m3, rd3, c, ci + 5 * ldc + 3 * VL);
    }

    /** The 10 x 2*VL tile: 20 accumulators, 2 vector loads and 10 broadcasts per step of k. */
    static void kernel10x2(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 10, bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ao + 0]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, ap[ao + 6]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, ap[ao + 7]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
            FloatVector a8 = FloatVector.broadcast(F, ap[ao + 8]);
            c8_0 = a8.fma(b0, c8_0); c8_1 = a8.fma(b1, c8_1);
            FloatVector a9 = FloatVector.broadcast(F, ap[ao + 9]);
            c9_0 = a9.fma(b0, c9_0); c9_1 = a9.fma(b1, c9_1);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c6_0, alpha, betaV, m0, rd0, c, ci + 6 * ldc + 0 * VL); store(c6_1, alpha, betaV, m1, rd1, c, ci + 6 * ldc + 1 * VL);
        store(c7_0, alpha, betaV, m0, rd0, c, ci + 7 * ldc + 0 * VL); store(c7_1, alpha, betaV, m1, rd1, c, ci + 7 * ldc + 1 * VL);
        store(c8_0, alpha, betaV, m0, rd0, c, ci + 8 * ldc + 0 * VL); store(c8_1, alpha, betaV, m1, rd1, c, ci + 8 * ldc + 1 * VL);
        store(c9_0, alpha, betaV, m0, rd0, c, ci + 9 * ldc + 0 * VL); store(c9_1, alpha, betaV, m1, rd1, c, ci + 9 * ldc + 1 * VL);
    }

    /** The 8 x 2*VL tile: 16 accumulators, 2 vector loads and 8 broadcasts per step of k. */
    static void kernel8x2(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * 8, bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ao + 0]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, ap[ao + 6]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, ap[ao + 7]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c6_0, alpha, betaV, m0, rd0, c, ci + 6 * ldc + 0 * VL); store(c6_1, alpha, betaV, m1, rd1, c, ci + 6 * ldc + 1 * VL);
        store(c7_0, alpha, betaV, m0, rd0, c, ci + 7 * ldc + 0 * VL); store(c7_1, alpha, betaV, m1, rd1, c, ci + 7 * ldc + 1 * VL);
    }

    /**
     * The 12 x 2*VL tile reading A where it lies, row-major with leading dimension {@code lda}: element
     * (i, p) at {@code a[ai + i*lda + p]}. Each of the 12 rows is a contiguous run of kc floats that stays in L1
     * while the B panels pass by, so row-major A needs no packing.
     */
    static void kernel12x2Direct(int kc, float[] a, int ai, int lda, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        int r0 = ai, r1 = ai + 1 * lda, r2 = ai + 2 * lda, r3 = ai + 3 * lda;
        int r4 = ai + 4 * lda, r5 = ai + 5 * lda, r6 = ai + 6 * lda, r7 = ai + 7 * lda;
        int r8 = ai + 8 * lda, r9 = ai + 9 * lda, r10 = ai + 10 * lda, r11 = ai + 11 * lda;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, a[r0 + p]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, a[r1 + p]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, a[r2 + p]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, a[r3 + p]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, a[r4 + p]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, a[r5 + p]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, a[r6 + p]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, a[r7 + p]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
            FloatVector a8 = FloatVector.broadcast(F, a[r8 + p]);
            c8_0 = a8.fma(b0, c8_0); c8_1 = a8.fma(b1, c8_1);
            FloatVector a9 = FloatVector.broadcast(F, a[r9 + p]);
            c9_0 = a9.fma(b0, c9_0); c9_1 = a9.fma(b1, c9_1);
            FloatVector a10 = FloatVector.broadcast(F, a[r10 + p]);
            c10_0 = a10.fma(b0, c10_0); c10_1 = a10.fma(b1, c10_1);
            FloatVector a11 = FloatVector.broadcast(F, a[r11 + p]);
            c11_0 = a11.fma(b0, c11_0); c11_1 = a11.fma(b1, c11_1);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c6_0, alpha, betaV, m0, rd0, c, ci + 6 * ldc + 0 * VL); store(c6_1, alpha, betaV, m1, rd1, c, ci + 6 * ldc + 1 * VL);
        store(c7_0, alpha, betaV, m0, rd0, c, ci + 7 * ldc + 0 * VL); store(c7_1, alpha, betaV, m1, rd1, c, ci + 7 * ldc + 1 * VL);
        store(c8_0, alpha, betaV, m0, rd0, c, ci + 8 * ldc + 0 * VL); store(c8_1, alpha, betaV, m1, rd1, c, ci + 8 * ldc + 1 * VL);
        store(c9_0, alpha, betaV, m0, rd0, c, ci + 9 * ldc + 0 * VL); store(c9_1, alpha, betaV, m1, rd1, c, ci + 9 * ldc + 1 * VL);
        store(c10_0, alpha, betaV, m0, rd0, c, ci + 10 * ldc + 0 * VL); store(c10_1, alpha, betaV, m1, rd1, c, ci + 10 * ldc + 1 * VL);
        store(c11_0, alpha, betaV, m0, rd0, c, ci + 11 * ldc + 0 * VL); store(c11_1, alpha, betaV, m1, rd1, c, ci + 11 * ldc + 1 * VL);
    }

    /**
     * The 8 x 2*VL tile reading A where it lies, row-major with leading dimension {@code lda}: element
     * (i, p) at {@code a[ai + i*lda + p]}. Each of the 8 rows is a contiguous run of kc floats that stays in L1
     * while the B panels pass by, so row-major A needs no packing.
     */
    static void kernel8x2Direct(int kc, float[] a, int ai, int lda, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long w0 = laneBits(cols - 0 * VL);
        long w1 = laneBits(cols - 1 * VL);
        long readC = betaBits(beta);
        FloatVector betaV = FloatVector.broadcast(F, beta);
        VectorMask<Float> m0 = VectorMask.fromLong(F, w0), rd0 = VectorMask.fromLong(F, w0 & readC);
        VectorMask<Float> m1 = VectorMask.fromLong(F, w1), rd1 = VectorMask.fromLong(F, w1 & readC);
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        int r0 = ai, r1 = ai + 1 * lda, r2 = ai + 2 * lda, r3 = ai + 3 * lda;
        int r4 = ai + 4 * lda, r5 = ai + 5 * lda, r6 = ai + 6 * lda, r7 = ai + 7 * lda;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, a[r0 + p]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, a[r1 + p]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, a[r2 + p]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, a[r3 + p]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, a[r4 + p]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, a[r5 + p]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, a[r6 + p]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, a[r7 + p]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
        }
        store(c0_0, alpha, betaV, m0, rd0, c, ci + 0 * ldc + 0 * VL); store(c0_1, alpha, betaV, m1, rd1, c, ci + 0 * ldc + 1 * VL);
        store(c1_0, alpha, betaV, m0, rd0, c, ci + 1 * ldc + 0 * VL); store(c1_1, alpha, betaV, m1, rd1, c, ci + 1 * ldc + 1 * VL);
        store(c2_0, alpha, betaV, m0, rd0, c, ci + 2 * ldc + 0 * VL); store(c2_1, alpha, betaV, m1, rd1, c, ci + 2 * ldc + 1 * VL);
        store(c3_0, alpha, betaV, m0, rd0, c, ci + 3 * ldc + 0 * VL); store(c3_1, alpha, betaV, m1, rd1, c, ci + 3 * ldc + 1 * VL);
        store(c4_0, alpha, betaV, m0, rd0, c, ci + 4 * ldc + 0 * VL); store(c4_1, alpha, betaV, m1, rd1, c, ci + 4 * ldc + 1 * VL);
        store(c5_0, alpha, betaV, m0, rd0, c, ci + 5 * ldc + 0 * VL); store(c5_1, alpha, betaV, m1, rd1, c, ci + 5 * ldc + 1 * VL);
        store(c6_0, alpha, betaV, m0, rd0, c, ci + 6 * ldc + 0 * VL); store(c6_1, alpha, betaV, m1, rd1, c, ci + 6 * ldc + 1 * VL);
        store(c7_0, alpha, betaV, m0, rd0, c, ci + 7 * ldc + 0 * VL); store(c7_1, alpha, betaV, m1, rd1, c, ci + 7 * ldc + 1 * VL);
    }

    /**
     * Vector form of {@link SgemmBlocked#packA}: when op(A) is stored transposed each step is a masked
     * copy of mr floats; otherwise full panels gather {@code lcm(mr, VL)} packed values at a time
     * ({@code idx} is scratch of at least that many ints). Partial panels use the scalar loop.
     */
    static void packA(int mr, int mc, int kc, float[] a, int idx0, int rs, int cs, float[] dst, int dOff,
                      int[] idx) {
        int fullRows = mc - mc % mr;
        if (rs == 1 && mr <= VL) {
            // op(A) = a stored transpose: each step of k is a run of mr floats; go row by row of storage
            VectorMask<Float> lanes = F.indexInRange(0, mr);
            for (int p = 0; p < kc; p++) {
                int s = idx0 + p * cs;
                for (int r0 = 0, o = dOff + p * mr; r0 < fullRows; r0 += mr, o += mr * kc) {
                    FloatVector.fromArray(F, a, s + r0, lanes).intoArray(dst, o, lanes);
                }
            }
        } else {
            packAGather(mr, fullRows, kc, a, idx0, rs, cs, dst, dOff, idx);
        }
        if (fullRows < mc) {
            SgemmBlocked.packAScalar(mr, mc - fullRows, kc, a, idx0 + fullRows * rs, rs, cs, dst,
                    dOff + fullRows * kc);
        }
    }

    private static void packAGather(int mr, int fullRows, int kc, float[] a, int idx0, int rs, int cs,
                                    float[] dst, int dOff, int[] idx) {
        int group = lcm(mr, VL), steps = group / mr;
        for (int e = 0; e < group; e++) idx[e] = (e % mr) * rs + (e / mr) * cs;
        for (int r0 = 0, d = dOff; r0 < fullRows; r0 += mr, d += mr * kc) {
            int src = idx0 + r0 * rs, p = 0;
            for (; p + steps <= kc; p += steps) {
                int s = src + p * cs, o = d + p * mr;
                for (int v = 0; v < group; v += VL) {
                    FloatVector.fromArray(F, a, s, idx, v).intoArray(dst, o + v);
                }
            }
            for (; p < kc; p++) {
                for (int i = 0; i < mr; i++) dst[d + p * mr + i] = a[src + i * rs + p * cs];
            }
        }
    }

    /**
     * Vector form of {@link SgemmBlocked#packB}: vector copies along B's rows when its columns are
     * contiguous, gathers otherwise; a partial last panel falls back to the scalar loop.
     */
    static void packB(int nr, int kc, int nc, float[] b, int idx0, int rs, int cs, float[] dst, int dOff,
                      int[] idx) {
        for (int j = 0; j < VL; j++) idx[j] = j * cs;
        int fullCols = nc - nc % nr;
        if (cs == 1) {
            // row by row across all panels: B is read in long runs (kind to the TLB and the prefetcher)
            for (int p = 0; p < kc; p++) {
                int s = idx0 + p * rs;
                for (int j0 = 0, o = dOff + p * nr; j0 < fullCols; j0 += nr, o += nr * kc) {
                    for (int v = 0; v < nr; v += VL) FloatVector.fromArray(F, b, s + j0 + v).intoArray(dst, o + v);
                }
            }
        } else {
            for (int j0 = 0, d = dOff; j0 < fullCols; j0 += nr, d += nr * kc) {
                int src = idx0 + j0 * cs;
                for (int p = 0; p < kc; p++) {
                    int s = src + p * rs, o = d + p * nr;
                    for (int v = 0; v < nr; v += VL) {
                        FloatVector.fromArray(F, b, s + v * cs, idx, 0).intoArray(dst, o + v);
                    }
                }
            }
        }
        if (fullCols < nc) {
            SgemmBlocked.packBScalar(nr, kc, nc - fullCols, b, idx0 + fullCols * cs, rs, cs, dst,
                    dOff + fullCols * kc);
        }
    }

    private static int lcm(int x, int y) {
        int g = x, h = y;
        while (h != 0) {
            int t = g % h;
            g = h;
            h = t;
        }
        return x / g * y;
    }

    /**
     * {@code c[ci + lane] = alpha * acc + beta * c[ci + lane]} for the lanes of {@code keep}; {@code read} is
     * keep when beta is nonzero and empty when it is zero, so beta 0 overwrites whatever C held (NaN
     * included) without a branch: a branch here would be compiled for the beta the first calls used and
     * trap (deoptimise the whole kernel) on the first call with the other.
     */
    private static void store(FloatVector acc, float alpha, FloatVector beta, VectorMask<Float> keep,
                              VectorMask<Float> read, float[] c, int ci) {
        FloatVector old = FloatVector.fromArray(F, c, ci, read);
        old.fma(beta, acc.mul(alpha)).intoArray(c, ci, keep);
    }

    /** The low {@code min(max(n, 0), VL)} bits set: the lanes of a vector that hold one of n columns. */
    static long laneBits(int n) {
        int lanes = Math.min(Math.max(n, 0), VL);
        return (1L << lanes) - 1;
    }

    /** All bits when beta is nonzero (either sign), none when it is zero; no branch. */
    static long betaBits(float beta) {
        long b = Float.floatToRawIntBits(beta) & 0x7fffffffL;
        return -((b | -b) >>> 63);
    }
}
