package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.Parallel;

/**
 * The fused weighted embedding bag of product-key memory against the unfused graph it replaces
 * ({@code embedding(table, slots).mul(weights).sum(1)}): output and both gradients, slots chosen several times (within
 * a row and across rows), float64 to rounding and float32 to float tolerance; the table's gradient the same bits on
 * one and two threads; finite differences in float64; bad slots refused by name.
 */
class EmbeddingBagTest {
    private static final int N = 37, D = 40, R = 23, K = 9;

    private static long[] slots() {
        long[] s = new long[R * K];
        for (int i = 0; i < s.length; i++) s[i] = (i * 7L + i / 5) % N; // repeats within and across rows
        s[3] = s[4] = 11;
        return s;
    }

    /** Output, table gradient and weight gradient of sum(f(table, weights) * g). */
    private static double[][] run(DType dt, boolean fused) {
        Tensor table = GradCheck.rand(1, -1, 1, N, D).to(dt).detach().requiresGrad(true);
        Tensor w = GradCheck.rand(2, -1, 1, R, K).to(dt).detach().requiresGrad(true);
        Tensor g = GradCheck.rand(3, -1, 1, R, D).to(dt);
        long[] s = slots();
        Tensor out = fused ? EmbeddingBag.sum(table, s, w)
                : Tensor.embedding(table, Tensor.of(s, R, K)).mul(w.reshape(R, K, 1)).sum(1, false);
        out.mul(g).sum().backward();
        return new double[][] {out.toDoubleArray(), table.grad().toDoubleArray(), w.grad().toDoubleArray()};
    }

    @Test
    void matchesTheUnfusedGraph() {
        String[] what = {"output", "table gradient", "weight gradient"};
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            double[][] a = run(dt, true), b = run(dt, false);
            double tol = dt == DType.F64 ? 1e-13 : 2e-6;
            for (int i = 0; i < 3; i++) {
                assertEquals(b[i].length, a[i].length, what[i]);
                for (int j = 0; j < a[i].length; j++) {
                    assertEquals(b[i][j], a[i][j], tol * Math.max(1, Math.abs(b[i][j])), dt + " " + what[i] + " at " + j);
                }
            }
            boolean any = false;
            for (double x : a[1]) any |= x != 0;
            assertTrue(any, "some table rows receive a gradient");
        }
    }

    @Test
    void tableGradientIsTheSameOnOneAndTwoThreads() {
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            double[][] one = run(DType.F32, true);
            Parallel.setThreads(2);
            double[][] two = run(DType.F32, true);
            for (int i = 0; i < 3; i++) assertArrayEquals(one[i], two[i], 0.0, "result " + i);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        long[] s = slots();
        GradCheck.check("embeddingBag", x -> EmbeddingBag.sum(x[0], s, x[1]),
                GradCheck.rand(4, -1, 1, N, D), GradCheck.rand(5, -1, 1, R, K));
    }

    @Test
    void badInputIsRefused() {
        Tensor table = Tensor.zeros(N, D), w = Tensor.zeros(R, K);
        long[] s = slots();
        s[5] = N;
        var e = assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingBag.sum(table, s, w));
        assertTrue(e.getMessage().contains("slot " + N) && e.getMessage().contains(N + " rows"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> EmbeddingBag.sum(table, new long[R * K - 1], w));
        assertTrue(e2.getMessage().contains((R * K - 1) + " slots"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> EmbeddingBag.sum(table, slots(), w.to(DType.F64)));
        assertTrue(e3.getMessage().contains("one float dtype"), e3.getMessage());
    }
}
