package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.autograd.Function;

/**
 * The engine releases each node once its backward has run (torch's default, no {@code retain_graph}), and a
 * node keeps a computed input only as an edge: a saved tensor becomes garbage while the rest of the graph is
 * still being walked, the values of inputs that no backward rule reads are not kept at all, a second backward
 * through a released graph is refused with a clear message, and releasing changes no gradient (bit for bit
 * against a retained graph, and against closed-form derivatives in float64).
 */
class GraphReleaseTest {
    /** Collects until {@code ref} is cleared (true) or {@code tries} collections have left it set (false). */
    private static boolean collected(WeakReference<?> ref, int tries) {
        for (int i = 0; i < tries && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ref.get() == null;
    }

    /** Identity whose backward notes whether the watched array was garbage by the time the backward reached it. */
    private static final class Probe extends Function {
        WeakReference<Object> watched;
        int tries;
        Boolean collectedAtBackward;

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].clone();
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            collectedAtBackward = collected(watched, tries);
            return new Tensor[] {g};
        }
    }

    @Test
    void aSavedTensorIsFreedOnceItsNodeHasRunUnlessTheGraphIsRetained() {
        for (boolean retain : new boolean[] {false, true}) {
            Tensor x = GradCheck.rand(1, -1, 1, 64, 64).requiresGrad(true);
            Probe probe = new Probe();
            probe.tries = retain ? 3 : 200;
            Tensor e = probe.apply(x).exp(); // exp saves its result e for its backward
            probe.watched = new WeakReference<>(e.storage().data());
            double[] expected = e.toDoubleArray(); // d sum(exp(x)) / dx = exp(x)
            Tensor loss = e.sum();
            e = null;
            loss.backward(null, retain);
            if (retain) {
                assertFalse(probe.collectedAtBackward, "a retained graph must keep exp's saved result");
            } else {
                assertTrue(probe.collectedAtBackward, "exp's saved result is still reachable after its node's backward ran");
            }
            assertArrayEquals(expected, x.grad().toDoubleArray(), 0.0);
        }
    }

    @Test
    void inputsThatNoBackwardRuleReadsAreNotKept() {
        Tensor x = GradCheck.rand(2, -1, 1, 8, 32).requiresGrad(true);
        Tensor c = GradCheck.rand(3, -1, 1, 8, 32);
        // affine scalar ops, add/sub, cat, views and contiguous copies need shapes only
        Tensor a = x.mul(3.0);
        Tensor b = a.add(c).sub(c.mul(0.5)).add(1.0);
        Tensor t = b.reshape(4, 64).transpose(0, 1).contiguous();
        Tensor out = Tensor.cat(List.of(t, a.reshape(64, 4)), 1).narrow(1, 1, 6);
        WeakReference<Object> aData = new WeakReference<>(a.storage().data()), bData = new WeakReference<>(b.storage().data());
        a = null;
        b = null;
        t = null;
        assertTrue(collected(aData, 200) && collected(bData, 200), "the graph keeps values its backward never reads");
        Tensor w = GradCheck.rand(4, -1, 1, 64, 6);
        out.mul(w).sum().backward();
        // closed form: out[:, 0..2] = b^T columns 1..3, out[:, 3..5] = a.reshape(64, 4) columns 0..2, with a = 3x, b = 3x + c - c/2 + 1
        double[] wv = w.toDoubleArray(), gx = new double[256];
        for (int col = 0; col < 6; col++) {
            for (int r = 0; r < 64; r++) {
                int j = col + 1; // column of the 8-wide cat
                int flat = j < 4 ? j * 64 + r : r * 4 + (j - 4); // b.reshape(4, 64)[j][r] or a.reshape(64, 4)[r][j - 4]
                gx[flat] += 3.0 * wv[r * 6 + col];
            }
        }
        assertArrayEquals(gx, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void aSecondBackwardThroughAReleasedGraphIsRefused() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor loss = x.exp().mul(x).sum();
        loss.backward();
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("retainGraph") && e.getMessage().contains("already backpropagated"), e.getMessage());
        Tensor y = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor l2 = y.exp().mul(y).sum();
        l2.backward(null, true);
        double[] once = y.grad().toDoubleArray();
        l2.backward();
        double[] twice = y.grad().toDoubleArray();
        for (int i = 0; i < 3; i++) {
            double want = Math.exp(i + 1) * (i + 2); // d(x e^x)/dx = e^x (1 + x)
            assertEquals(want, once[i], 1e-12);
            assertEquals(2 * once[i], twice[i], 0.0);
        }
    }

    /** A small network of the model's ops: linear, layer norm, GELU, softmax, cat, views, cross entropy. */
    private static Tensor net(Tensor x, Tensor w1, Tensor w2, Tensor lnW, Tensor lnB) {
        Tensor h = Functional.layerNorm(x, 1, lnW, lnB, 1e-5).matmul(w1).gelu();
        Tensor s = Functional.softmax(h.reshape(4, 2, 12).transpose(1, 2), -1, false).reshape(4, 24);
        Tensor z = Tensor.cat(List.of(s, h.exp().sqrt()), 1).matmul(w2);
        return Functional.crossEntropy(z, Tensor.of(new long[] {0, 2, 1, 2}, 4), -100).add(h.square().mean());
    }

    @Test
    void releasingChangesNoGradient() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double[][][] grads = new double[2][][];
            for (int pass = 0; pass < 2; pass++) {
                Tensor[] ps = {GradCheck.rand(5, -1, 1, 4, 8), GradCheck.rand(6, -1, 1, 8, 24), GradCheck.rand(7, -1, 1, 48, 3),
                    GradCheck.rand(8, 0.5, 1.5, 8), GradCheck.rand(9, -1, 1, 8)};
                for (int i = 0; i < ps.length; i++) ps[i] = ps[i].to(dt).requiresGrad(true);
                net(ps[0], ps[1], ps[2], ps[3], ps[4]).backward(null, pass == 1);
                grads[pass] = new double[ps.length][];
                for (int i = 0; i < ps.length; i++) grads[pass][i] = ps[i].grad().toDoubleArray();
            }
            for (int i = 0; i < grads[0].length; i++) {
                assertArrayEquals(grads[1][i], grads[0][i], 0.0, dt + ": input " + i + " gradient differs between a released and a retained graph");
            }
        }
        GradCheck.check("net with released nodes", in -> net(in[0], in[1], in[2], in[3], in[4]), GradCheck.rand(5, -1, 1, 4, 8),
                GradCheck.rand(6, -1, 1, 8, 24), GradCheck.rand(7, -1, 1, 48, 3), GradCheck.rand(8, 0.5, 1.5, 8), GradCheck.rand(9, -1, 1, 8));
    }
}
