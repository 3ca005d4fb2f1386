package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * The feed-forward's fused activation and second product (FeedForward.ActivatedLinear, which recomputes the activation
 * in backward) in float64, for every activation with and without GLU: the input's gradient against finite differences,
 * and the output and every gradient against the same formula written as separate autograd ops.
 */
class FeedForwardGradTest {
    private static ReformerConfig config(String act, boolean glu) {
        return ReformerConfig.builder().numTokens(11).dim(6).depth(1).maxSeqLen(8).ffMult(2).ffActivation(act).ffGlu(glu).dtype(DType.F64).seed(3).config();
    }

    private static ForwardState state() {
        return new ForwardState(1, null, null, null, new Generator(5, 1), true, 1, null);
    }

    private static Tensor separateOps(ReformerConfig cfg, FeedForward ff, Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
        Tensor h = Functional.linear(x, w1, b1);
        if (cfg.ffGlu) {
            int half = h.size(-1) / 2;
            h = activate(cfg.ffActivation, h.narrow(2, 0, half)).mul(h.narrow(2, half, half));
        } else {
            h = activate(cfg.ffActivation, h);
        }
        return Functional.linear(h, w2, b2);
    }

    private static Tensor activate(String act, Tensor x) {
        return switch (act) {
            case "relu" -> x.relu();
            case "gelu_tanh" -> x.geluTanh();
            case "silu" -> x.mul(x.sigmoid());
            default -> x.gelu();
        };
    }

    @Test
    void fusedActivationAndProductMatchSeparateOpsAndFiniteDifferences() {
        for (String act : new String[] {"gelu", "relu", "gelu_tanh", "silu"}) {
            for (boolean glu : new boolean[] {false, true}) {
                ReformerConfig cfg = config(act, glu);
                FeedForward ff = new FeedForward(cfg, new Generator(3, 0));
                Tensor x0 = GradCheck.rand(8, -2, 2, 2, 5, 6);

                Tensor x = x0.detach().requiresGrad(true);
                Tensor g = GradCheck.rand(9, -1, 1, 2, 5, 6);
                Tensor y = ff.apply(x, state(), 0);
                y.mul(g).sum().backward();
                Tensor[] p = {ff.w1().weight().tensor(), ff.w1().bias().tensor(), ff.w2().weight().tensor(), ff.w2().bias().tensor()};
                Tensor[] fused = {x.grad(), p[0].grad(), p[1].grad(), p[2].grad(), p[3].grad()};
                Tensor xs = x0.detach().requiresGrad(true);
                Tensor[] ps = new Tensor[4];
                for (int i = 0; i < 4; i++) ps[i] = p[i].detach().requiresGrad(true);
                Tensor ys = separateOps(cfg, ff, xs, ps[0], ps[1], ps[2], ps[3]);
                ys.mul(g).sum().backward();
                Tensor[] separate = {xs.grad(), ps[0].grad(), ps[1].grad(), ps[2].grad(), ps[3].grad()};
                String what = act + (glu ? " GLU" : "");
                assertTrue(ReformerGoldenTest.maxAbsDiff(y, ys) == 0, what + ": outputs differ");
                String[] names = {"input", "w1.weight", "w1.bias", "w2.weight", "w2.bias"};
                for (int i = 0; i < names.length; i++) {
                    double err = ReformerGoldenTest.maxAbsDiff(fused[i], separate[i]);
                    assertTrue(err < 1e-12, what + ": " + names[i] + " gradient differs from separate ops by " + err);
                }
                GradCheck.check("feed-forward " + what, in -> ff.apply(in[0], state(), 0), 1e-6, 1e-6, x0);
            }
        }
    }
}
