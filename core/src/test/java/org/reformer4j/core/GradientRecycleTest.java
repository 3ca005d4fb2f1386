package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.autograd.Function;

/**
 * The engine hands each gradient's CPU buffer back to the pool once the backward it was given to has returned
 * (and the gradients added into a leaf or into another pending gradient), unless a pending gradient still views
 * it: the gradients stay those of closed-form derivatives (float64) when gradients are shared between inputs,
 * views of each other, or fed to leaves; a tensor the caller passes as the output gradient is never recycled;
 * a backward that keeps its gradient past its return gets an error naming the rule instead of reused memory.
 */
class GradientRecycleTest {
    /** Identity whose backward keeps the gradient it was handed (what a backward must not do). */
    private static final class Keeper extends Function {
        Tensor kept;

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].clone();
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            kept = g;
            return new Tensor[] {g.mul(1.0)};
        }
    }

    /** Returns its gradient itself (a view of it for the second input) to both inputs. */
    private static final class Fork extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].add(in[1]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g, g.reshape(g.shape())};
        }
    }

    @Test
    void sharedAndViewedGradientsStayCorrect() {
        Tensor x = GradCheck.rand(11, -1, 1, 6, 5).requiresGrad(true);
        double[] xv = x.toDoubleArray();
        // y = fork(exp(x), x * 3); loss = sum(y * y): dloss/dy = 2y, dx = 2y exp(x) + 2y * 3
        Tensor a = x.exp(), b = x.mul(3.0);
        Tensor y = new Fork().apply(a, b);
        Tensor loss = y.mul(y).sum();
        loss.backward();
        double[] expected = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
            double yi = Math.exp(xv[i]) + 3 * xv[i];
            expected[i] = 2 * yi * Math.exp(xv[i]) + 2 * yi * 3;
        }
        assertArrayEquals(expected, x.grad().toDoubleArray(), 1e-12);
        // a second, identical step (now from pooled buffers) gives the same numbers added once more
        Tensor y2 = new Fork().apply(x.exp(), x.mul(3.0));
        y2.mul(y2).sum().backward();
        for (int i = 0; i < expected.length; i++) expected[i] *= 2;
        assertArrayEquals(expected, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void theCallersOutputGradientIsNotRecycled() {
        Tensor x = GradCheck.rand(12, -1, 1, 4, 7).requiresGrad(true);
        Tensor gy = GradCheck.rand(13, -1, 1, 4, 7);
        double[] gv = gy.toDoubleArray();
        x.exp().mul(2.0).backward(gy);
        assertArrayEquals(gv, gy.toDoubleArray(), 0.0); // still readable, unchanged
        double[] xv = x.toDoubleArray(), dx = x.grad().toDoubleArray();
        for (int i = 0; i < xv.length; i++) assertEquals(2 * Math.exp(xv[i]) * gv[i], dx[i], 1e-12);
    }

    @Test
    void aGradientKeptPastItsBackwardIsAClearError() {
        Tensor x = GradCheck.rand(14, -1, 1, 3, 3).requiresGrad(true);
        Keeper keeper = new Keeper();
        keeper.apply(x.exp()).mul(x).sum().backward();
        // the gradient of keeper's output is made by mul's backward during the walk: recycled after keeper returned
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> keeper.kept.toDoubleArray());
        assertTrue(e.getMessage().contains("recycled"), e.getMessage());
    }
}
