package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Forward values: float32 kernels (vector and strided paths) against the same op in float64, and
 * integer/bool ops against values worked out by hand from the definitions.
 */
class ForwardTest {
    private static Tensor r32(long seed, int... shape) {
        return GradCheck.rand(seed, -2, 2, shape).to(DType.F32);
    }

    private static void close32(String what, Tensor f32, Tensor f64, double tol) {
        double[] a = f32.toDoubleArray(), b = f64.toDoubleArray();
        assertArrayEquals(f64.shape(), f32.shape(), what + ": shape");
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - b[i]);
            assertTrue(err <= tol * Math.max(1, Math.abs(b[i])), what + ": element " + i + " float32 " + a[i] + " vs float64 " + b[i]);
        }
    }

    @Test
    void float32MatchesFloat64OnLargeAndStridedInputs() {
        // sizes past the parallel threshold and not multiples of the vector length
        Tensor a = r32(1, 67, 1031), b = r32(2, 1031);
        Tensor a64 = a.to(DType.F64), b64 = b.to(DType.F64);
        close32("add", a.add(b), a64.add(b64), 1e-6);
        close32("mul transposed", a.t().mul(a.t()), a64.t().mul(a64.t()), 1e-6);
        close32("div", a.div(b.abs().add(1)), a64.div(b64.abs().add(1)), 1e-6);
        close32("scalar ops", a.mul(3).add(1).neg().relu(), a64.mul(3).add(1).neg().relu(), 1e-6);
        close32("exp", a.exp(), a64.exp(), 1e-6);
        close32("gelu", a.gelu(), a64.gelu(), 1e-6);
        close32("softmax", a.softmax(1), a64.softmax(1), 1e-6);
        close32("logSoftmax", a.logSoftmax(0), a64.logSoftmax(0), 1e-5);
        close32("sum rows", a.sum(1, false), a64.sum(1, false), 1e-4);
        close32("sum cols", a.sum(0, false), a64.sum(0, false), 1e-4);
        close32("var", a.var(new int[] {1}, false, 1), a64.var(new int[] {1}, false, 1), 1e-5);
        close32("logsumexp", a.logsumexp(1, true), a64.logsumexp(1, true), 1e-6);
        close32("layerNorm", Functional.layerNorm(a, 1, b, b, 1e-5), Functional.layerNorm(a64, 1, b64, b64, 1e-5), 1e-4);
        close32("matmul", a.matmul(a.t()), a64.matmul(a64.t()), 1e-4);
    }

    @Test
    void singleRowProductsMatchFloat64InEveryLayout() {
        Tensor v = r32(11, 1, 300), w = r32(12, 517, 300), m = r32(13, 300, 517);
        Tensor v64 = v.to(DType.F64), w64 = w.to(DType.F64), m64 = m.to(DType.F64);
        close32("x @ W^T (dot form)", v.matmul(w.t()), v64.matmul(w64.t()), 1e-4);
        close32("x @ M (axpy form)", v.matmul(m), v64.matmul(m64), 1e-4);
        close32("strided row", v.t().t().matmul(m.slice(1, 0, 517, 2)), v64.matmul(m64.slice(1, 0, 517, 2)), 1e-4);
        close32("column sum", m.sum(0, false), m64.sum(0, false), 1e-4);
    }

    @Test
    void softmaxOfMaskedRowsFollowsTorch() {
        Tensor x = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 0f, 1f, -3.4028235e38f, -3.4028235e38f, -3.4028235e38f}, 2, 3);
        float[] y = x.softmax(1).toFloatArray();
        assertEquals(0f, y[0]);
        assertEquals(1f / (1f + (float) Math.E), y[1], 1e-7);
        // a row that is entirely -FLT_MAX is uniform, as in torch
        assertEquals(1f / 3, y[3], 1e-7);
        assertEquals(1f / 3, y[5], 1e-7);
    }

    @Test
    void integerAndBoolOps() {
        Tensor i = Tensor.of(new long[] {3, -1, 7, 2}, 2, 2);
        assertArrayEquals(new long[] {12, 15}, i.add(Tensor.of(new long[] {1, 7}, 2)).sum(0, false).toLongArray());
        assertArrayEquals(new boolean[] {true, false, true, false}, i.gt(2.0).toBoolArray());
        assertArrayEquals(new boolean[] {false, true, false, true}, i.gt(2.0).logicalNot().toBoolArray());
        assertArrayEquals(new long[] {10, 1, 2, 3}, Tensor.where(Tensor.of(new boolean[] {true, false, false, false}, 4),
                Tensor.scalar(10, DType.I64, Device.CPU), Tensor.arange(4)).toLongArray());
        assertEquals(11, i.sum().item());
        assertArrayEquals(new long[] {3, 7}, i.max(1, false).values().toLongArray());
        assertArrayEquals(new long[] {0, 0}, i.argmax(1, false).toLongArray());
    }

    @Test
    void sortIsStableAndTopkOrdersTies() {
        Tensor x = Tensor.of(new float[] {3, 1, 3, 2, 1}, 5);
        var s = x.sort(0, false);
        assertArrayEquals(new float[] {1, 1, 2, 3, 3}, s.values().toFloatArray());
        assertArrayEquals(new long[] {1, 4, 3, 0, 2}, s.indices().toLongArray());
        var d = x.sort(0, true);
        assertArrayEquals(new long[] {0, 2, 3, 1, 4}, d.indices().toLongArray());
        var t = x.topk(2, 0, true);
        assertArrayEquals(new long[] {0, 2}, t.indices().toLongArray());
        assertArrayEquals(new long[] {0, 0, 1, 0, 1, 0}, Tensor.of(new long[] {2, 1}, 2).oneHot(3).toLongArray());
    }

    @Test
    void sortPutsNanLastAscendingAndFirstDescendingAndMatchesAStableReference() {
        Tensor x = Tensor.of(new double[] {2, Double.NaN, Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.POSITIVE_INFINITY}, 6);
        assertArrayEquals(new long[] {2, 3, 4, 0, 5, 1}, x.argsort(0, false).toLongArray());
        assertArrayEquals(new long[] {1, 5, 0, 3, 4, 2}, x.argsort(0, true).toLongArray());
        // a long row of few distinct keys against java's stable object sort
        int n = 5000;
        long[] keys = new long[n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) keys[i] = rnd.nextInt(17);
        Integer[] ref = new Integer[n];
        for (int i = 0; i < n; i++) ref[i] = i;
        java.util.Arrays.sort(ref, (p, q) -> Long.compare(keys[q], keys[p]));
        long[] want = new long[n];
        for (int i = 0; i < n; i++) want[i] = ref[i];
        assertArrayEquals(want, Tensor.of(keys, n).argsort(0, true).toLongArray());
    }

    @Test
    void viewsShareStorageAndReshapeCopiesOnlyWhenNeeded() {
        Tensor x = Tensor.arange(0, 12, 1).reshape(3, 4);
        Tensor v = x.reshape(4, 3);
        assertTrue(v.storage() == x.storage(), "reshape of a contiguous tensor is a view");
        Tensor tr = x.t().reshape(12);
        assertArrayEquals(new long[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, tr.toLongArray());
        assertArrayEquals(new long[] {1, 5, 9}, x.select(1, 1).toLongArray());
        assertArrayEquals(new long[] {4, 6}, x.slice(0, 1, 2, 1).slice(1, 0, 4, 2).toLongArray());
        List<Tensor> parts = x.chunk(3, 1);
        assertEquals(2, parts.size());
        assertArrayEquals(new int[] {3, 2}, parts.get(1).shape(), "torch.chunk: pieces of ceil(4/3) = 2");
        assertArrayEquals(new long[] {0, 1, 2, 3, 0, 1, 2, 3}, Tensor.cat(List.of(x.select(0, 0), x.select(0, 0)), 0).toLongArray());
    }

    @Test
    void badInputIsNamed() {
        Tensor a = Tensor.zeros(2, 3);
        var e1 = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(4)));
        assertTrue(e1.getMessage().contains("add") && e1.getMessage().contains("[2, 3]") && e1.getMessage().contains("[4]"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(2, 3)));
        assertTrue(e2.getMessage().contains("matmul") && e2.getMessage().contains("3 != 2"), e2.getMessage());
        var e3 = assertThrows(IndexOutOfBoundsException.class, () -> a.gather(1, Tensor.of(new long[] {0, 5}, 2, 1)));
        assertTrue(e3.getMessage().contains("gather") && e3.getMessage().contains("5") && e3.getMessage().contains("size 3"), e3.getMessage());
        var e4 = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.embedding(Tensor.zeros(10, 4), Tensor.of(new long[] {3, 10}, 2)));
        assertTrue(e4.getMessage().contains("10") && e4.getMessage().contains("size 10"), e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertTrue(e5.getMessage().contains("[2, 3]") && e5.getMessage().contains("[4, 2]"), e5.getMessage());
        var e6 = assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.crossEntropy(Tensor.zeros(2, 5), Tensor.of(new long[] {1, 7}, 2), -100));
        assertTrue(e6.getMessage().contains("7") && e6.getMessage().contains("[0, 5)"), e6.getMessage());
        var e7 = assertThrows(IndexOutOfBoundsException.class, () -> a.sum(2, false));
        assertTrue(e7.getMessage().contains("dim 2"), e7.getMessage());
        var e8 = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e8.getMessage().contains("5 values"), e8.getMessage());
    }

    @Test
    void crossEntropyMatchesDefinition() {
        Tensor logits = r32(7, 4, 6).to(DType.F64);
        Tensor target = Tensor.of(new long[] {2, 0, 5, 0}, 4);
        double loss = Functional.crossEntropy(logits, target, 0).item();
        double[] l = logits.toDoubleArray();
        double sum = 0;
        int n = 0;
        long[] t = {2, 0, 5, 0};
        for (int row = 0; row < 4; row++) {
            if (t[row] == 0) continue;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int c = 0; c < 6; c++) m = Math.max(m, l[row * 6 + c]);
            for (int c = 0; c < 6; c++) s += Math.exp(l[row * 6 + c] - m);
            sum += m + Math.log(s) - l[row * 6 + (int) t[row]];
            n++;
        }
        assertEquals(sum / n, loss, 1e-12);
    }
}
