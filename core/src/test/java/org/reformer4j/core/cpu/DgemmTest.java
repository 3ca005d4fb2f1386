package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the float64 {@link Sgemm#dgemm} and {@link Sgemm#dgemmBatched} against a plain triple loop
 * summed in a different order (p outermost), for all transpose combinations, offsets, alpha/beta and
 * k = 0, on one and two threads. float64 results must agree to about 1e-13 relative.
 */
class DgemmTest {
    private static double[] random(SplittableRandom rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextDouble() * 2 - 1;
        return x;
    }

    private static void check(SplittableRandom rnd, int batch, int m, int n, int k, boolean ta, boolean tb,
                              double alpha, double beta) {
        int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 1;
        int sa = (ta ? k : m) * lda + 2, sb = (tb ? n : k) * ldb + 1, sc = m * ldc + 1;
        int rsA = ta ? 1 : lda, csA = ta ? lda : 1, rsB = tb ? 1 : ldb, csB = tb ? ldb : 1;
        double[] a = random(rnd, batch * sa), b = random(rnd, batch * sb), c = random(rnd, batch * sc);
        double[] ref = c.clone();
        for (int t = 0; t < batch; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) ref[1 + t * sc + i * ldc + j] *= beta;
            }
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        ref[1 + t * sc + i * ldc + j] += alpha * a[1 + t * sa + i * rsA + p * csA]
                                * b[t * sb + p * rsB + j * csB];
                    }
                }
            }
        }
        if (batch == 1) {
            Sgemm.dgemm(m, n, k, alpha, a, 1, rsA, csA, b, 0, rsB, csB, beta, c, 1, ldc);
        } else {
            Sgemm.dgemmBatched(batch, m, n, k, alpha, a, 1, sa, rsA, csA, b, 0, sb, rsB, csB, beta, c, 1, sc, ldc);
        }
        for (int i = 0; i < c.length; i++) {
            if (Math.abs(c[i] - ref[i]) > 1e-13 * (k + 1)) {
                fail("dgemm batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb
                        + ": element " + i + " = " + c[i] + ", reference " + ref[i]);
            }
        }
    }

    @Test
    void matchesTripleLoop() {
        int saved = Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                SplittableRandom rnd = new SplittableRandom(11 + threads);
                int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {64, 70, 50}, {5, 1, 0}};
                for (int[] s : shapes) {
                    for (int t = 0; t < 4; t++) {
                        check(rnd, 1, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1.25, t == 0 ? 0 : -0.5);
                        check(rnd, 3, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, -1, 1);
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void betaZeroIgnoresNaN() {
        double[] c = {Double.NaN, Double.NaN};
        Sgemm.dgemm(1, 2, 1, 2, new double[] {3}, 0, 1, 1, new double[] {1, 2}, 0, 2, 1, 0, c, 0, 2);
        assertEquals(6, c[0]);
        assertEquals(12, c[1]);
    }
}
