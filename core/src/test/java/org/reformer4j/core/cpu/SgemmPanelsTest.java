package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Sgemm#packPanels} and {@link Sgemm#sgemmPanels} against {@link Sgemm#sgemm} of the unpacked operand (bit for
 * bit, where that product is not tiny) and against a float64 triple loop (always): random shapes past the k block
 * (two and three blocks of 512), row-major, transposed and strided A, padded panel strides and offsets, windows of
 * rows and of panels of one packing, alpha and beta (beta 0 overwrites NaN), the last panel's zero columns; bad
 * arguments refused with messages that name them.
 */
class SgemmPanelsTest {
    @BeforeEach
    void vectorKernels() {
        Assumptions.assumeTrue(Sgemm.panelWidth() > 0, "no Vector API: no packed path to test");
    }

    @Test
    void matchesSgemmOnTheUnpackedOperand() {
        SplittableRandom rnd = new SplittableRandom(7);
        int nr = Sgemm.panelWidth();
        int[][] shapes = {{1, 1, 1}, {8, 32, 64}, {32, 127, 64}, {31, 64, 127}, {64, 128, 64}, {128, 64, 64}, {13, 33, 17},
                {12, 2 * nr, 700}, {40, 70, 1100}, {300, 45, 31}, {5, 3 * nr + 1, 513}, {97, 16, 260}, {1, 300, 9}};
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0f, 0.5f}};
        int cases = 0;
        for (int[] sh : shapes) {
            for (int layout = 0; layout < 3; layout++) { // A row-major, transposed, strided both ways
                for (float[] ab : alphaBeta) {
                    int m = sh[0], n = sh[1], k = sh[2];
                    int aOff = rnd.nextInt(4), rsA, csA, aLen;
                    if (layout == 0) { rsA = k + rnd.nextInt(3); csA = 1; aLen = aOff + m * rsA; }
                    else if (layout == 1) { rsA = 1; csA = m + rnd.nextInt(3); aLen = aOff + k * csA; }
                    else { rsA = 2 * k + 1; csA = 2; aLen = aOff + m * rsA; }
                    float[] a = SgemmTest.random(rnd, aLen + 2);
                    // B [k, n] row-major or transposed, packed with a padded stride at an offset
                    boolean bt = rnd.nextBoolean();
                    int ldb = (bt ? k : n) + rnd.nextInt(3), bOff = rnd.nextInt(4);
                    float[] b = SgemmTest.random(rnd, bOff + (bt ? n : k) * ldb + 1);
                    int rsB = bt ? 1 : ldb, csB = bt ? ldb : 1;
                    int panels = (n + nr - 1) / nr, ps = k * nr + rnd.nextInt(3) * 7, pOff = rnd.nextInt(5);
                    float[] bp = SgemmTest.random(rnd, pOff + panels * ps + 3); // junk around the panels must not matter
                    Sgemm.packPanels(k, n, b, bOff, rsB, csB, bp, pOff, ps);
                    int ldc = n + rnd.nextInt(3), cOff = rnd.nextInt(3);
                    float[] c0 = SgemmTest.random(rnd, cOff + m * ldc + 2);
                    if (ab[1] == 0f) java.util.Arrays.fill(c0, Float.NaN);
                    float[] want = c0.clone(), got = c0.clone();
                    Sgemm.sgemm(m, n, k, ab[0], a, aOff, rsA, csA, b, bOff, rsB, csB, ab[1], want, cOff, ldc);
                    Sgemm.sgemmPanels(m, n, k, ab[0], a, aOff, rsA, csA, bp, pOff, ps, ab[1], got, cOff, ldc);
                    String tag = m + "x" + n + "x" + k + " layout " + layout + (bt ? " B^T" : " B") + " alpha " + ab[0] + " beta " + ab[1];
                    if ((long) m * n * k > Sgemm.DIRECT_MACS) assertArrayEquals(want, got, tag + ": the bits of sgemm");
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0, mag = 0;
                            for (int p = 0; p < k; p++) {
                                double x = a[aOff + i * rsA + p * csA], y = b[bOff + p * rsB + j * csB];
                                s += x * y;
                                mag += Math.abs(x * y);
                            }
                            int at = cOff + i * ldc + j;
                            double exp = ab[0] * s + (ab[1] == 0f ? 0 : ab[1] * (double) c0[at]);
                            double tol = 1e-6 * (k + 4) * mag * Math.abs(ab[0]) + (ab[1] == 0f ? 0 : 1e-6 * Math.abs(ab[1] * c0[at])) + 1e-30;
                            assertEquals(exp, got[at], tol, tag + " at (" + i + ", " + j + ")");
                        }
                        // C's padding between rows is left alone
                        for (int j = n; j < ldc && i < m - 1; j++) {
                            assertEquals(Float.floatToRawIntBits(c0[cOff + i * ldc + j]), Float.floatToRawIntBits(got[cOff + i * ldc + j]), tag + ": padding");
                        }
                    }
                    cases++;
                }
            }
        }
        assertEquals(shapes.length * 12, cases);
    }

    @Test
    void windowsOfOnePackingAreTheProductsOfTheirRowsAndColumns() {
        SplittableRandom rnd = new SplittableRandom(11);
        int nr = Sgemm.panelWidth(), bs = nr, dh = 64, rows = 5 * bs; // keys [rows, dh], as LSH chunk windows use them
        float[] keys = SgemmTest.random(rnd, rows * dh), q = SgemmTest.random(rnd, bs * dh);
        // k^T in panels of keys: the window of chunk g is 2 bs keys from key g bs, panels from g bs / nr
        int psK = dh * nr;
        float[] kp = new float[(rows / nr) * psK];
        Sgemm.packPanels(dh, rows, keys, 0, 1, dh, kp, 0, psK);
        // the keys as rows in panels of dh columns: the window of chunk g is rows g bs .. g bs + 2 bs of every panel
        int psV = rows * nr;
        float[] vp = new float[((dh + nr - 1) / nr) * psV];
        Sgemm.packPanels(rows, dh, keys, 0, dh, 1, vp, 0, psV);
        float[] p = SgemmTest.random(rnd, bs * 2 * bs);
        for (int g = 0; g + 2 <= rows / bs; g++) {
            float[] want = new float[bs * 2 * bs], got = new float[bs * 2 * bs];
            Sgemm.sgemm(bs, 2 * bs, dh, 1f, q, 0, dh, 1, keys, g * bs * dh, 1, dh, 0f, want, 0, 2 * bs);
            Sgemm.sgemmPanels(bs, 2 * bs, dh, 1f, q, 0, dh, 1, kp, (g * bs / nr) * psK, psK, 0f, got, 0, 2 * bs);
            assertArrayEquals(want, got, "q k^T, window " + g);
            float[] wantV = new float[bs * dh], gotV = new float[bs * dh];
            Sgemm.sgemm(bs, dh, 2 * bs, 1f, p, 0, 2 * bs, 1, keys, g * bs * dh, dh, 1, 0f, wantV, 0, dh);
            Sgemm.sgemmPanels(bs, dh, 2 * bs, 1f, p, 0, 2 * bs, 1, vp, g * bs * nr, psV, 0f, gotV, 0, dh);
            assertArrayEquals(wantV, gotV, "p v, window " + g);
        }
    }

    /**
     * A transposed A read where it lies by the 8-row kernel ({@link SgemmBlocked#transposedDirect}) against the same
     * products with A packed (and, for sgemm, the plan it had before: 12 rows or 6 x 4): the same bits, for sgemm and
     * packed panels, small products and weight-gradient sized ones (on the pool's threads), k within and past a block, partial
     * column panels, offsets and alpha / beta; and against a float64 triple loop through {@link
     * #matchesSgemmOnTheUnpackedOperand}'s shapes (32x127x64, 128x64x64 with A transposed take this path).
     */
    @Test
    void transposedAReadInPlaceKeepsTheBits() {
        SplittableRandom rnd = new SplittableRandom(13);
        int nr = Sgemm.panelWidth();
        int[][] shapes = {{8, 32, 64}, {128, 64, 64}, {32, 64, 127}, {64, 70, 600}, {16, 3 * nr + 5, 33}, {256, 64, 16},
                {256, 96, 1100}, {1024, 40, 300}, {96, 600, 200}};
        try {
            for (int[] sh : shapes) {
                int m = sh[0], n = sh[1], k = sh[2], lda = m + rnd.nextInt(4), aOff = rnd.nextInt(3), ldc = n + 1;
                float[] a = SgemmTest.random(rnd, aOff + k * lda), b = SgemmTest.random(rnd, k * n), c0 = SgemmTest.random(rnd, m * ldc);
                int ps = k * nr, panels = (n + nr - 1) / nr;
                float[] bp = new float[panels * ps];
                Sgemm.packPanels(k, n, b, 0, n, 1, bp, 0, ps);
                for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                    float[][] out = new float[4][];
                    for (int way = 0; way < 2; way++) {
                        SgemmBlocked.transposedDirect = way == 1;
                        float[] c1 = c0.clone(), c2 = c0.clone();
                        Sgemm.sgemm(m, n, k, ab[0], a, aOff, 1, lda, b, 0, n, 1, ab[1], c1, 0, ldc);
                        Sgemm.sgemmPanels(m, n, k, ab[0], a, aOff, 1, lda, bp, 0, ps, ab[1], c2, 0, ldc);
                        out[way] = c1;
                        out[2 + way] = c2;
                    }
                    String tag = m + "x" + n + "x" + k + " alpha " + ab[0] + " beta " + ab[1];
                    assertArrayEquals(out[0], out[1], tag + ": sgemm, A in place against packed");
                    assertArrayEquals(out[2], out[3], tag + ": sgemmPanels, A in place against packed");
                }
            }
        } finally {
            SgemmBlocked.transposedDirect = true;
        }
    }

    @Test
    void theLastPanelIsPaddedWithZeros() {
        int nr = Sgemm.panelWidth(), k = 3, n = nr + 2;
        float[] b = new float[k * n];
        java.util.Arrays.fill(b, 1f);
        float[] dst = new float[2 * k * nr];
        java.util.Arrays.fill(dst, Float.NaN);
        Sgemm.packPanels(k, n, b, 0, n, 1, dst, 0, k * nr);
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < nr; j++) {
                assertEquals(1f, dst[p * nr + j]);
                assertEquals(j < 2 ? 1f : 0f, dst[k * nr + p * nr + j], "panel 1, row " + p + ", column " + j);
            }
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        int nr = Sgemm.panelWidth();
        float[] b = new float[64 * 64], bp = new float[2 * 64 * nr], a = new float[64 * 64], c = new float[64 * 64];
        var small = assertThrows(IllegalArgumentException.class, () -> Sgemm.packPanels(64, 64, b, 0, 64, 1, bp, 0, 64 * nr - 1));
        assertTrue(small.getMessage().contains("panelStride"), small.getMessage());
        var past = assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.packPanels(64, 64, b, 0, 64, 1, bp, 1, 64 * nr));
        assertTrue(past.getMessage().contains("packPanels") && past.getMessage().contains("length " + bp.length), past.getMessage());
        var bOut = assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.packPanels(65, 64, b, 0, 64, 1, new float[65 * 64 * 4], 0, 65 * nr));
        assertTrue(bOut.getMessage().contains("B [65,64]"), bOut.getMessage());
        var aOut = assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.sgemmPanels(65, 64, 64, 1f, a, 0, 64, 1, bp, 0, 64 * nr, 0f, c, 0, 64));
        assertTrue(aOut.getMessage().contains("A [65,64]"), aOut.getMessage());
        var pOut = assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.sgemmPanels(8, 64, 64, 1f, a, 0, 64, 1, bp, nr, 64 * nr, 0f, c, 0, 64));
        assertTrue(pOut.getMessage().contains("sgemmPanels") && pOut.getMessage().contains("panels"), pOut.getMessage());
        var ldc = assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemmPanels(8, 64, 64, 1f, a, 0, 64, 1, bp, 0, 64 * nr, 0f, c, 0, 63));
        assertTrue(ldc.getMessage().contains("ldc=63"), ldc.getMessage());
        assertThrows(NullPointerException.class, () -> Sgemm.sgemmPanels(8, 64, 64, 1f, a, 0, 64, 1, null, 0, 64 * nr, 0f, c, 0, 64));
    }
}
