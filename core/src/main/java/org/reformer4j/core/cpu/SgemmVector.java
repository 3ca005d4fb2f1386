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
                          float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
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
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL);
        c1_0.intoArray(acc, 2 * VL); c1_1.intoArray(acc, 3 * VL);
        c2_0.intoArray(acc, 4 * VL); c2_1.intoArray(acc, 5 * VL);
        c3_0.intoArray(acc, 6 * VL); c3_1.intoArray(acc, 7 * VL);
        c4_0.intoArray(acc, 8 * VL); c4_1.intoArray(acc, 9 * VL);
        c5_0.intoArray(acc, 10 * VL); c5_1.intoArray(acc, 11 * VL);
        c6_0.intoArray(acc, 12 * VL); c6_1.intoArray(acc, 13 * VL);
        c7_0.intoArray(acc, 14 * VL); c7_1.intoArray(acc, 15 * VL);
        c8_0.intoArray(acc, 16 * VL); c8_1.intoArray(acc, 17 * VL);
        c9_0.intoArray(acc, 18 * VL); c9_1.intoArray(acc, 19 * VL);
        c10_0.intoArray(acc, 20 * VL); c10_1.intoArray(acc, 21 * VL);
        c11_0.intoArray(acc, 22 * VL); c11_1.intoArray(acc, 23 * VL);
        merge(12, 2, acc, alpha, beta, c, ci, ldc, cols);
    }

    /** The 6 x 4*VL tile: 24 accumulators, 4 vector loads and 6 broadcasts per step of k. */
    static void kernel6x4(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
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
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL); c0_2.intoArray(acc, 2 * VL); c0_3.intoArray(acc, 3 * VL);
        c1_0.intoArray(acc, 4 * VL); c1_1.intoArray(acc, 5 * VL); c1_2.intoArray(acc, 6 * VL); c1_3.intoArray(acc, 7 * VL);
        c2_0.intoArray(acc, 8 * VL); c2_1.intoArray(acc, 9 * VL); c2_2.intoArray(acc, 10 * VL); c2_3.intoArray(acc, 11 * VL);
        c3_0.intoArray(acc, 12 * VL); c3_1.intoArray(acc, 13 * VL); c3_2.intoArray(acc, 14 * VL); c3_3.intoArray(acc, 15 * VL);
        c4_0.intoArray(acc, 16 * VL); c4_1.intoArray(acc, 17 * VL); c4_2.intoArray(acc, 18 * VL); c4_3.intoArray(acc, 19 * VL);
        c5_0.intoArray(acc, 20 * VL); c5_1.intoArray(acc, 21 * VL); c5_2.intoArray(acc, 22 * VL); c5_3.intoArray(acc, 23 * VL);
        merge(6, 4, acc, alpha, beta, c, ci, ldc, cols);
    }

    /** The 10 x 2*VL tile: 20 accumulators, 2 vector loads and 10 broadcasts per step of k. */
    static void kernel10x2(int kc, float[] ap, int ai, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
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
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL);
        c1_0.intoArray(acc, 2 * VL); c1_1.intoArray(acc, 3 * VL);
        c2_0.intoArray(acc, 4 * VL); c2_1.intoArray(acc, 5 * VL);
        c3_0.intoArray(acc, 6 * VL); c3_1.intoArray(acc, 7 * VL);
        c4_0.intoArray(acc, 8 * VL); c4_1.intoArray(acc, 9 * VL);
        c5_0.intoArray(acc, 10 * VL); c5_1.intoArray(acc, 11 * VL);
        c6_0.intoArray(acc, 12 * VL); c6_1.intoArray(acc, 13 * VL);
        c7_0.intoArray(acc, 14 * VL); c7_1.intoArray(acc, 15 * VL);
        c8_0.intoArray(acc, 16 * VL); c8_1.intoArray(acc, 17 * VL);
        c9_0.intoArray(acc, 18 * VL); c9_1.intoArray(acc, 19 * VL);
        merge(10, 2, acc, alpha, beta, c, ci, ldc, cols);
    }

    /**
     * The 12 x 2*VL tile reading A where it lies, row-major with leading dimension {@code lda}: element
     * (i, p) at {@code a[ai + i*lda + p]}. Each of the 12 rows is a contiguous run of kc floats that stays in L1
     * while the B panels pass by, so row-major A needs no packing. A partial panel ({@code rows} below 12) stores
     * its rows only. A whole tile of C = A B (alpha 1, beta 0) is stored from the registers, others go through acc
     * and {@link #merge} (unmasked stores only: measured with GemmAB against the staged copy, 64x128x64 1.06x and 31x127x64
     * 1.02x on one thread, the dense lsh4k and seed shapes 0.99-1.03x on two).
     */
    static void kernel12x2Direct(int kc, float[] a, int ai, int lda, int rows, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
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
        // rows past the last of a partial panel read the last row again; their sums are never stored
        int last = rows - 1;
        int r0 = ai, r1 = ai + Math.min(1, last) * lda, r2 = ai + Math.min(2, last) * lda, r3 = ai + Math.min(3, last) * lda;
        int r4 = ai + Math.min(4, last) * lda, r5 = ai + Math.min(5, last) * lda, r6 = ai + Math.min(6, last) * lda;
        int r7 = ai + Math.min(7, last) * lda, r8 = ai + Math.min(8, last) * lda, r9 = ai + Math.min(9, last) * lda;
        int r10 = ai + Math.min(10, last) * lda, r11 = ai + Math.min(11, last) * lda;
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
        if (rows == 12 && cols == 2 * VL && alpha == 1f && beta == 0f) {
            c0_0.intoArray(c, ci); c0_1.intoArray(c, ci + VL);
            c1_0.intoArray(c, ci + ldc); c1_1.intoArray(c, ci + ldc + VL);
            c2_0.intoArray(c, ci + 2 * ldc); c2_1.intoArray(c, ci + 2 * ldc + VL);
            c3_0.intoArray(c, ci + 3 * ldc); c3_1.intoArray(c, ci + 3 * ldc + VL);
            c4_0.intoArray(c, ci + 4 * ldc); c4_1.intoArray(c, ci + 4 * ldc + VL);
            c5_0.intoArray(c, ci + 5 * ldc); c5_1.intoArray(c, ci + 5 * ldc + VL);
            c6_0.intoArray(c, ci + 6 * ldc); c6_1.intoArray(c, ci + 6 * ldc + VL);
            c7_0.intoArray(c, ci + 7 * ldc); c7_1.intoArray(c, ci + 7 * ldc + VL);
            c8_0.intoArray(c, ci + 8 * ldc); c8_1.intoArray(c, ci + 8 * ldc + VL);
            c9_0.intoArray(c, ci + 9 * ldc); c9_1.intoArray(c, ci + 9 * ldc + VL);
            c10_0.intoArray(c, ci + 10 * ldc); c10_1.intoArray(c, ci + 10 * ldc + VL);
            c11_0.intoArray(c, ci + 11 * ldc); c11_1.intoArray(c, ci + 11 * ldc + VL);
            return;
        }
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL);
        c1_0.intoArray(acc, 2 * VL); c1_1.intoArray(acc, 3 * VL);
        c2_0.intoArray(acc, 4 * VL); c2_1.intoArray(acc, 5 * VL);
        c3_0.intoArray(acc, 6 * VL); c3_1.intoArray(acc, 7 * VL);
        c4_0.intoArray(acc, 8 * VL); c4_1.intoArray(acc, 9 * VL);
        c5_0.intoArray(acc, 10 * VL); c5_1.intoArray(acc, 11 * VL);
        c6_0.intoArray(acc, 12 * VL); c6_1.intoArray(acc, 13 * VL);
        c7_0.intoArray(acc, 14 * VL); c7_1.intoArray(acc, 15 * VL);
        c8_0.intoArray(acc, 16 * VL); c8_1.intoArray(acc, 17 * VL);
        c9_0.intoArray(acc, 18 * VL); c9_1.intoArray(acc, 19 * VL);
        c10_0.intoArray(acc, 20 * VL); c10_1.intoArray(acc, 21 * VL);
        c11_0.intoArray(acc, 22 * VL); c11_1.intoArray(acc, 23 * VL);
        merge(rows, 2, acc, alpha, beta, c, ci, ldc, cols);
    }

    /**
     * The 8 x 2*VL tile reading A where it lies, row-major with leading dimension {@code lda}: element
     * (i, p) at {@code a[ai + i*lda + p]}. Each of the 8 rows is a contiguous run of kc floats that stays in L1
     * while the B panels pass by, so row-major A needs no packing. A partial panel ({@code rows} below 8) stores
     * its rows only; a whole tile of C = A B is stored from the registers, as in {@link #kernel12x2Direct}.
     */
    static void kernel8x2Direct(int kc, float[] a, int ai, int lda, int rows, float[] bp, int bi,
                          float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        int last = rows - 1; // rows past a partial panel's last read it again (their sums are never stored)
        int r0 = ai, r1 = ai + Math.min(1, last) * lda, r2 = ai + Math.min(2, last) * lda, r3 = ai + Math.min(3, last) * lda;
        int r4 = ai + Math.min(4, last) * lda, r5 = ai + Math.min(5, last) * lda, r6 = ai + Math.min(6, last) * lda;
        int r7 = ai + Math.min(7, last) * lda;
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
        if (rows == 8 && cols == 2 * VL && alpha == 1f && beta == 0f) {
            c0_0.intoArray(c, ci); c0_1.intoArray(c, ci + VL);
            c1_0.intoArray(c, ci + ldc); c1_1.intoArray(c, ci + ldc + VL);
            c2_0.intoArray(c, ci + 2 * ldc); c2_1.intoArray(c, ci + 2 * ldc + VL);
            c3_0.intoArray(c, ci + 3 * ldc); c3_1.intoArray(c, ci + 3 * ldc + VL);
            c4_0.intoArray(c, ci + 4 * ldc); c4_1.intoArray(c, ci + 4 * ldc + VL);
            c5_0.intoArray(c, ci + 5 * ldc); c5_1.intoArray(c, ci + 5 * ldc + VL);
            c6_0.intoArray(c, ci + 6 * ldc); c6_1.intoArray(c, ci + 6 * ldc + VL);
            c7_0.intoArray(c, ci + 7 * ldc); c7_1.intoArray(c, ci + 7 * ldc + VL);
            return;
        }
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL);
        c1_0.intoArray(acc, 2 * VL); c1_1.intoArray(acc, 3 * VL);
        c2_0.intoArray(acc, 4 * VL); c2_1.intoArray(acc, 5 * VL);
        c3_0.intoArray(acc, 6 * VL); c3_1.intoArray(acc, 7 * VL);
        c4_0.intoArray(acc, 8 * VL); c4_1.intoArray(acc, 9 * VL);
        c5_0.intoArray(acc, 10 * VL); c5_1.intoArray(acc, 11 * VL);
        c6_0.intoArray(acc, 12 * VL); c6_1.intoArray(acc, 13 * VL);
        c7_0.intoArray(acc, 14 * VL); c7_1.intoArray(acc, 15 * VL);
        merge(rows, 2, acc, alpha, beta, c, ci, ldc, cols);
    }

    /**
     * The 8 x 2*VL tile reading A where it lies stored transposed: element (i, p) at {@code a[ai + p*lda + i]}, so each
     * step of k is a run of the 8 rows' values, as a packed panel holds them with a stride of 8, so it is also the
     * packed 8-row kernel (lda 8): products of a transposed A (attention's dd^T q, p^T dbo, weight gradients) need no
     * packing. 16 accumulators, 2 vector loads and 8 broadcasts per step of k. Whole panels only (the 8 values of a step
     * must exist: a packed panel's padding or the rows of a transposed A).
     */
    static void kernel8x2T(int kc, float[] a, int ai, int lda, float[] bp, int bi,
                           float alpha, float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * lda, bo = bi + p * 2 * VL;
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * VL);
            FloatVector a0 = FloatVector.broadcast(F, a[ao + 0]);
            c0_0 = a0.fma(b0, c0_0); c0_1 = a0.fma(b1, c0_1);
            FloatVector a1 = FloatVector.broadcast(F, a[ao + 1]);
            c1_0 = a1.fma(b0, c1_0); c1_1 = a1.fma(b1, c1_1);
            FloatVector a2 = FloatVector.broadcast(F, a[ao + 2]);
            c2_0 = a2.fma(b0, c2_0); c2_1 = a2.fma(b1, c2_1);
            FloatVector a3 = FloatVector.broadcast(F, a[ao + 3]);
            c3_0 = a3.fma(b0, c3_0); c3_1 = a3.fma(b1, c3_1);
            FloatVector a4 = FloatVector.broadcast(F, a[ao + 4]);
            c4_0 = a4.fma(b0, c4_0); c4_1 = a4.fma(b1, c4_1);
            FloatVector a5 = FloatVector.broadcast(F, a[ao + 5]);
            c5_0 = a5.fma(b0, c5_0); c5_1 = a5.fma(b1, c5_1);
            FloatVector a6 = FloatVector.broadcast(F, a[ao + 6]);
            c6_0 = a6.fma(b0, c6_0); c6_1 = a6.fma(b1, c6_1);
            FloatVector a7 = FloatVector.broadcast(F, a[ao + 7]);
            c7_0 = a7.fma(b0, c7_0); c7_1 = a7.fma(b1, c7_1);
        }
        if (cols == 2 * VL && alpha == 1f && beta == 0f) {
            c0_0.intoArray(c, ci); c0_1.intoArray(c, ci + VL);
            c1_0.intoArray(c, ci + ldc); c1_1.intoArray(c, ci + ldc + VL);
            c2_0.intoArray(c, ci + 2 * ldc); c2_1.intoArray(c, ci + 2 * ldc + VL);
            c3_0.intoArray(c, ci + 3 * ldc); c3_1.intoArray(c, ci + 3 * ldc + VL);
            c4_0.intoArray(c, ci + 4 * ldc); c4_1.intoArray(c, ci + 4 * ldc + VL);
            c5_0.intoArray(c, ci + 5 * ldc); c5_1.intoArray(c, ci + 5 * ldc + VL);
            c6_0.intoArray(c, ci + 6 * ldc); c6_1.intoArray(c, ci + 6 * ldc + VL);
            c7_0.intoArray(c, ci + 7 * ldc); c7_1.intoArray(c, ci + 7 * ldc + VL);
            return;
        }
        c0_0.intoArray(acc, 0 * VL); c0_1.intoArray(acc, 1 * VL);
        c1_0.intoArray(acc, 2 * VL); c1_1.intoArray(acc, 3 * VL);
        c2_0.intoArray(acc, 4 * VL); c2_1.intoArray(acc, 5 * VL);
        c3_0.intoArray(acc, 6 * VL); c3_1.intoArray(acc, 7 * VL);
        c4_0.intoArray(acc, 8 * VL); c4_1.intoArray(acc, 9 * VL);
        c5_0.intoArray(acc, 10 * VL); c5_1.intoArray(acc, 11 * VL);
        c6_0.intoArray(acc, 12 * VL); c6_1.intoArray(acc, 13 * VL);
        c7_0.intoArray(acc, 14 * VL); c7_1.intoArray(acc, 15 * VL);
        merge(8, 2, acc, alpha, beta, c, ci, ldc, cols);
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
            // op(A) = a stored transpose: each step of k is a run of mr floats; go row by row of storage. A
            // partial last panel loads its rows only and stores all mr lanes: the zero padding comes with it
            VectorMask<Float> lanes = F.indexInRange(0, mr), partial = F.indexInRange(0, mc - fullRows);
            for (int p = 0; p < kc; p++) {
                int s = idx0 + p * cs;
                for (int r0 = 0, o = dOff + p * mr; r0 < fullRows; r0 += mr, o += mr * kc) {
                    FloatVector.fromArray(F, a, s + r0, lanes).intoArray(dst, o, lanes);
                }
                if (fullRows < mc) {
                    int o = dOff + fullRows * kc + p * mr;
                    FloatVector.fromArray(F, a, s + fullRows, partial).intoArray(dst, o, lanes);
                }
            }
            return;
        }
        packAGather(mr, fullRows, kc, a, idx0, rs, cs, dst, dOff, idx);
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
     * {@code C[i, j] = alpha * acc[i, j] + beta * C[i, j]} for the tile's {@code rows} x {@code cols} (acc holds
     * rows of {@code nv} vectors, as the kernels staged their accumulators). Loads and stores use lane masks: the
     * columns past {@code cols} are left alone, and C is not read at all when beta is 0 (so beta 0 overwrites
     * NaN). A whole tile with alpha 1 and beta 0 is plain copies. Kept out of the kernels: 24 inlined masked
     * stores took the kernels past C2's inlining node budget, leaving some stores as calls that boxed their
     * vectors; and a branch here that the first calls never took traps (deoptimises) only this small method.
     */
    static void merge(int rows, int nv, float[] acc, float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        // the branch stays in this small dispatcher: when its other side first comes after compilation (C2's
        // unstable_if trap), only the dispatcher runs interpreted while it recompiles, not the vector loops
        if (alpha == 1f && beta == 0f && cols == nv * VL) copyTile(rows, nv, acc, c, ci, ldc);
        else mergeMasked(rows, nv, acc, alpha, beta, c, ci, ldc, cols);
    }

    /** The common case, a whole tile of C = A B: plain copies of the staged accumulators. */
    private static void copyTile(int rows, int nv, float[] acc, float[] c, int ci, int ldc) {
        for (int i = 0; i < rows; i++) {
            for (int v = 0; v < nv; v++) {
                FloatVector.fromArray(F, acc, (i * nv + v) * VL).intoArray(c, ci + i * ldc + v * VL);
            }
        }
    }

    /** alpha, beta and the column masks of a partial tile. */
    private static void mergeMasked(int rows, int nv, float[] acc, float alpha, float beta, float[] c, int ci, int ldc, int cols) {
        long readC = betaBits(beta);
        FloatVector a = FloatVector.broadcast(F, alpha), b = FloatVector.broadcast(F, beta);
        for (int v = 0; v < nv; v++) {
            long w = laneBits(cols - v * VL);
            VectorMask<Float> keep = VectorMask.fromLong(F, w), read = VectorMask.fromLong(F, w & readC);
            for (int i = 0; i < rows; i++) {
                int at = ci + i * ldc + v * VL;
                FloatVector r = FloatVector.fromArray(F, acc, (i * nv + v) * VL).mul(a);
                FloatVector.fromArray(F, c, at, read).fma(b, r).intoArray(c, at, keep);
            }
        }
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
