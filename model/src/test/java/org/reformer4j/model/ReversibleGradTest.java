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
