package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.RotaryTable;

/**
 * The reversible stack's hand-written backward (recomputation with replayed buckets and dropout masks) in
 * float64: against finite differences for its input, and against plain autograd through the same layers
 * (the irreversible path) for every parameter, with LSH dropout and feed-forward dropout switched on; and,
 * in float32 and float64, that the autograd engine freeing each node's saved tensors as soon as its backward has
 * run (the default) gives bit for bit the gradients of a backward that retains the whole graph.
 */
class ReversibleGradTest {
    /**
     * The stack's own tests run with every layer recomputed (no top layer keeps its graph, ReversibleSequence.keepBytes 0),
     * but the one that keeps them.
     */
    @org.junit.jupiter.api.BeforeEach
    void recomputeEveryLayer() {
        ReversibleSequence.keepBytes = 0;
    }

    @org.junit.jupiter.api.AfterEach
    void restoreKeptLayers() {
        ReversibleSequence.keepBytes = KEEP;
    }

    private static final long KEEP = ReversibleSequence.keepBytes;

    private static ReformerConfig config(int reverseThres) {
        return config(reverseThres, DType.F64);
    }

    private static ReformerConfig config(int reverseThres, DType dtype) {
        return ReformerConfig.builder().numTokens(11).dim(8).depth(2).heads(2).dimHead(4).bucketSize(4).nHashes(2)
                .maxSeqLen(16).causal(true).reverseThres(reverseThres).lshDropout(0.2).ffDropout(0.1).postAttnDropout(0.1)
                .dtype(dtype).seed(7).config();
    }

    private static RotationSource fixedRotations() {
        Tensor[] rot = new Tensor[2];
        return (layer, shape, dt) -> {
            if (rot[layer] == null) rot[layer] = Tensor.randn(shape, 99, layer, 0, dt, Device.CPU);
            return rot[layer];
        };
    }

    private static Tensor run(Reformer r, Tensor x, RotationSource rot, long dropSeed) {
        RotaryTable table = RotaryTable.of(toDouble(RotaryTable.inverseFrequencies(4)), x.size(1), x.dtype());
        var s = new ForwardState(2, null, table, rot, new Generator(dropSeed, 1), true, 2, null);
        return r.forward(x, s);
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        ReformerConfig cfg = config(0);
        Reformer r = new Reformer(cfg, new Generator(7, 0));
        RotationSource rot = fixedRotations();
        Tensor x = GradCheck.rand(3, -1, 1, 2, 16, 8);
        GradCheck.check("reversible stack", in -> run(r, in[0], rot, 5), 1e-6, 1e-6, x);
    }

    @Test
    void parameterGradientsEqualPlainAutograd() {
        Map<String, Tensor> grads = new java.util.HashMap<>();
        Tensor x = GradCheck.rand(4, -1, 1, 2, 16, 8);
        double[][] outs = new double[2][];
        for (int pass = 0; pass < 2; pass++) {
            Reformer r = new Reformer(config(pass == 0 ? 0 : 1000), new Generator(7, 0));
            Tensor y = run(r, x, fixedRotations(), 5);
            outs[pass] = y.toDoubleArray();
            y.mul(GradCheck.rand(9, -1, 1, y.shape())).sum().backward();
            for (Map.Entry<String, Parameter> e : r.namedParameters().entrySet()) {
                Tensor g = e.getValue().grad();
                if (pass == 0) {
                    grads.put(e.getKey(), g);
                } else {
                    double err = ReformerGoldenTest.maxAbsDiff(grads.get(e.getKey()), g);
                    assertTrue(err < 1e-12, e.getKey() + ": reversible vs plain autograd gradient differs by " + err);
                }
            }
        }
        double err = 0;
        for (int i = 0; i < outs[0].length; i++) err = Math.max(err, Math.abs(outs[0][i] - outs[1][i]));
        assertTrue(err == 0, "reversible and irreversible outputs differ by " + err);
    }

    /**
     * Top layers that keep their graphs (ReversibleSequence.keepBytes: one layer of two, then both) against plain
     * autograd through the same layers: the same outputs, and the input's and every parameter's gradient within 1e-12
     * in float64 and 2e-6 in float32 (the other layers still rebuild their inputs), each pass inside a Scope as a
     * training step runs, so no kept tensor may go back to the pool before backward.
     */
    @Test
    void keptTopLayersGiveThePlainAutogradGradients() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            Tensor x0 = GradCheck.rand(4, -1, 1, 2, 16, 8);
            long layerBytes = (long) ReversibleSequence.KEPT_BYTES_PER_INPUT_BYTE * x0.numel() * dt.bytes();
            Map<String, double[]> plain = grads(config(1000, dt), x0, dt);
            for (long keep : new long[] {layerBytes, Long.MAX_VALUE}) {
                ReversibleSequence.keepBytes = keep;
                int layers = ReversibleSequence.keptLayers(x0.to(dt), 2);
                assertTrue(layers == (keep == layerBytes ? 1 : 2), "layers kept: " + layers);
                Map<String, double[]> kept = grads(config(0, dt), x0, dt);
                double tol = dt == DType.F64 ? 1e-12 : 2e-6;
                for (Map.Entry<String, double[]> e : plain.entrySet()) {
                    double[] a = e.getValue(), b = kept.get(e.getKey());
                    double err = 0, scale = 1e-3;
                    for (int i = 0; i < a.length; i++) {
                        err = Math.max(err, Math.abs(a[i] - b[i]));
                        scale = Math.max(scale, Math.abs(a[i]));
                    }
                    if (e.getKey().equals("output")) assertTrue(err == 0, dt + ", " + layers + " kept: outputs differ by " + err);
                    assertTrue(err <= tol * scale, dt + ", " + layers + " layers kept: " + e.getKey() + " differs from plain autograd by "
                            + err + " (largest " + scale + ")");
                }
            }
        }
    }

    @Test
    void aNegativeBudgetIsRefused() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ReversibleSequence.keepActivationBytes(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    /** Output, input gradient and parameter gradients of one forward and backward inside a Scope, copied out. */
    private static Map<String, double[]> grads(ReformerConfig cfg, Tensor x0, DType dt) {
        Map<String, double[]> all = new java.util.HashMap<>();
        try (var scope = org.reformer4j.core.Scope.open()) {
            Reformer r = new Reformer(cfg, new Generator(7, 0));
            Tensor x = x0.to(dt).detach().requiresGrad(true); // a leaf of its own (to() of the same dtype is x0 itself)
            Tensor y = run(r, x, fixedRotations(), 5);
            all.put("output", y.toDoubleArray());
            y.mul(GradCheck.rand(9, -1, 1, y.shape()).to(dt)).sum().backward();
            for (Map.Entry<String, Parameter> e : r.namedParameters().entrySet()) all.put(e.getKey(), e.getValue().grad().toDoubleArray());
            all.put("input", x.grad().toDoubleArray());
        }
        return all;
    }

    @Test
    void releasingTheGraphChangesNoGradient() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int thres : new int[] {0, 1000}) { // reversible (recomputing) stack, then plain autograd through the layers
                Map<String, double[]> kept = new java.util.HashMap<>();
                for (boolean retain : new boolean[] {true, false}) {
                    Reformer r = new Reformer(config(thres, dt), new Generator(7, 0));
                    Tensor x = GradCheck.rand(4, -1, 1, 2, 16, 8).to(dt).requiresGrad(true);
                    Tensor y = run(r, x, fixedRotations(), 5);
                    y.mul(GradCheck.rand(9, -1, 1, y.shape()).to(dt)).sum().backward(null, retain);
                    Map<String, Tensor> all = new java.util.HashMap<>();
                    for (Map.Entry<String, Parameter> e : r.namedParameters().entrySet()) all.put(e.getKey(), e.getValue().grad());
                    all.put("input", x.grad());
                    for (Map.Entry<String, Tensor> e : all.entrySet()) {
                        double[] g = e.getValue().toDoubleArray();
                        if (retain) {
                            kept.put(e.getKey(), g);
                        } else {
                            assertTrue(java.util.Arrays.equals(kept.get(e.getKey()), g), dt + ", reverseThres " + thres + ": "
                                    + e.getKey() + " gradient differs between a released and a retained graph");
                        }
                    }
                }
            }
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
