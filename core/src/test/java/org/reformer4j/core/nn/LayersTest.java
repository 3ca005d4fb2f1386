package org.reformer4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * Linear, Embedding, LayerNorm, Dropout, Sequential: initial values from the documented generator draws,
 * forward passes against float64 loops written here, gradients against finite differences (float64).
 */
class LayersTest {

    @Test
    void linearInitIsTorchsBoundFromTheGenerator() {
        int in = 7, out = 5;
        Linear lin = new Linear(in, out, true, DType.F32, new Generator(11, 3));
        double bound = 1 / Math.sqrt(in);
        float[] u = new float[out * in + out];
        float[] w = new float[out * in], b = new float[out];
        Generator.fillUniform(11, 3, 0, 0, w, 0, w.length);                        // weight first ...
        Generator.fillUniform(11, 3, Generator.blocksFor4(w.length), 0, b, 0, out); // ... then bias
        float[] gotW = lin.weight().tensor().toFloatArray(), gotB = lin.bias().tensor().toFloatArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(-bound + 2 * bound * w[i], gotW[i], 1e-6, "weight " + i);
            assertTrue(Math.abs(gotW[i]) <= bound);
        }
        for (int i = 0; i < out; i++) assertEquals(-bound + 2 * bound * b[i], gotB[i], 1e-6, "bias " + i);
        assertArrayEquals(new int[] {out, in}, lin.weight().shape());
        assertEquals(u.length, lin.numParameters());
    }

    @Test
    void linearForwardAndGradient() {
        Linear lin = new Linear(3, 2, true, DType.F64, new Generator(5, 0));
        Tensor x = GradCheck.rand(1, -1, 1, 4, 3);
        double[] xs = x.toDoubleArray(), w = lin.weight().tensor().toDoubleArray(), b = lin.bias().tensor().toDoubleArray();
        double[] y = lin.forward(x).toDoubleArray();
        for (int r = 0; r < 4; r++) {
            for (int o = 0; o < 2; o++) {
                double s = b[o];
                for (int i = 0; i < 3; i++) s += xs[r * 3 + i] * w[o * 3 + i];
                assertEquals(s, y[r * 2 + o], 1e-12);
            }
        }
        GradCheck.check("Linear(x, W, b)", a -> org.reformer4j.core.Functional.linear(a[0], a[1], a[2]),
                x, lin.weight().tensor(), lin.bias().tensor());
        var e = assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
        Linear noBias = new Linear(3, 2, false);
        assertEquals(1, noBias.namedParameters().size());
    }

    @Test
    void embeddingIsStandardNormalAndLooksUpRows() {
        Embedding emb = new Embedding(6, 3, DType.F32, new Generator(8, 1));
        float[] z = new float[18];
        Generator.fillNormal(8, 1, 0, 0, z, 0, 18);
        assertArrayEquals(z, emb.weight().tensor().toFloatArray());
        Tensor ids = Tensor.of(new long[] {5, 0, 5}, 3);
        float[] y = emb.forward(ids).toFloatArray();
        for (int k = 0; k < 3; k++) {
            assertEquals(z[15 + k], y[k]);
            assertEquals(z[k], y[3 + k]);
            assertEquals(z[15 + k], y[6 + k]);
        }
        emb.forward(ids).sum().backward();
        float[] g = emb.weight().grad().toFloatArray();
        assertEquals(2f, g[15]);
        assertEquals(1f, g[0]);
        assertEquals(0f, g[3]);
    }

    @Test
    void layerNormForwardAndGradient() {
        LayerNorm ln = new LayerNorm(new int[] {5}, 1e-5, true, DType.F64);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1}, ln.weight().tensor().toDoubleArray());
        Tensor x = GradCheck.rand(2, -2, 2, 3, 5);
        double[] xs = x.toDoubleArray(), y = ln.forward(x).toDoubleArray();
        for (int r = 0; r < 3; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < 5; i++) mean += xs[r * 5 + i] / 5;
            for (int i = 0; i < 5; i++) var += (xs[r * 5 + i] - mean) * (xs[r * 5 + i] - mean) / 5;
            for (int i = 0; i < 5; i++) assertEquals((xs[r * 5 + i] - mean) / Math.sqrt(var + 1e-5), y[r * 5 + i], 1e-12);
        }
        Tensor w = GradCheck.rand(3, 0.5, 1.5, 5), b = GradCheck.rand(4, -1, 1, 5);
        GradCheck.check("LayerNorm", a -> org.reformer4j.core.Functional.layerNorm(a[0], 1, a[1], a[2], 1e-5), x, w, b);
        assertThrows(IllegalArgumentException.class, () -> ln.forward(Tensor.zeros(new int[] {3, 4}, DType.F64,
                org.reformer4j.core.Device.CPU)));
    }

    @Test
    void dropoutMaskComesFromTheGeneratorAndReplays() {
        Generator g = new Generator(21, 4, 100);
        Dropout d = new Dropout(0.25, g);
        Tensor x = Tensor.ones(1000);
        float[] y = d.forward(x).toFloatArray();
        assertEquals(100, d.lastCounter());
        assertEquals(100 + 250, g.counter(), "1000 float32 values use 250 blocks");
        float[] u = new float[1000];
        Generator.fillUniform(21, 4, 100, 0, u, 0, 1000);
        int kept = 0;
        for (int i = 0; i < 1000; i++) {
            float expected = u[i] >= 0.25 ? (float) (1 / 0.75) : 0f;
            assertEquals(expected, y[i], 1e-6, "element " + i);
            if (y[i] != 0) kept++;
        }
        assertTrue(kept > 700 && kept < 800, "kept " + kept);
        assertArrayEquals(y, d.forward(x, 100).toFloatArray(), "replay with the same counter");
        assertNotEquals(java.util.Arrays.toString(y), java.util.Arrays.toString(d.forward(x).toFloatArray()));
        d.eval();
        assertSame(x, d.forward(x));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
    }

    @Test
    void sequentialChainsAndNamesByIndex() {
        Generator g = new Generator(3, 0);
        Sequential s = new Sequential(new Identity(), new Linear(2, 3, true, DType.F32, g), new LayerNorm(3));
        assertEquals(java.util.List.of("1.weight", "1.bias", "2.weight", "2.bias"), java.util.List.copyOf(s.namedParameters().keySet()));
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Linear lin = (Linear) s.get(1);
        float[] viaParts = ((LayerNorm) s.get(2)).forward(lin.forward(x)).toFloatArray();
        assertArrayEquals(viaParts, s.forward(x).toFloatArray());
        assertEquals(3, s.size());
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(3));
        assertTrue(s.toString().contains("(1): Linear(in=2, out=3, bias=true)"), s.toString());
    }
}
