package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.autograd.Function;

/** Autograd mechanics: accumulation, shared subgraphs, no-grad, detach, custom functions, scopes. */
class AutogradTest {
    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        x.mul(x).sum().backward();
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {5, 7, 9}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void sharedSubexpressionsSumTheirGradients() {
        Tensor x = Tensor.of(new double[] {2}, 1).requiresGrad(true);
        Tensor y = x.exp();
        y.mul(y).add(y).sum().backward(); // d/dx (e^2x + e^x) = 2e^2x + e^x
        assertEquals(2 * Math.exp(4) + Math.exp(2), x.grad().item(), 1e-9);
    }

    @Test
    void noGradAndDetachCutTheGraph() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        try (var g = GradMode.noGrad()) {
            assertTrue(!x.mul(2).requiresGrad());
        }
        assertTrue(x.mul(2).requiresGrad());
        Tensor y = x.mul(2).detach().mul(x).sum();
        y.backward();
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray());
        var e = assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}, 1).sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"));
    }

    static final class Cube extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.save(in[0]);
            return in[0].pow(3);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor x = ctx.saved(0);
            return new Tensor[] {g.mul(x.square()).mul(3)};
        }
    }

    @Test
    void customFunctionsJoinTheGraph() {
        GradCheck.check("custom cube", a -> new Cube().apply(a[0].mul(2)).add(a[0]), GradCheck.rand(3, -1, 1, 4));
        Tensor x = Tensor.of(new double[] {1}, 1);
        assertTrue(!new Cube().apply(x).requiresGrad(), "no input requires grad: no node");
    }

    @Test
    void scopesRecycleTemporariesAndRefuseUseAfterClose() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor kept;
        Tensor leaked;
        try (var s = Scope.open()) {
            Tensor t = w.mul(2).add(1);
            t.sum().backward();
            leaked = t;
            kept = s.keep(w.mul(10));
        }
        assertArrayEquals(new float[] {10, 20, 30}, kept.toFloatArray());
        assertArrayEquals(new float[] {2, 2, 2}, w.grad().toFloatArray(), "grads outlive the scope");
        var e = assertThrows(IllegalStateException.class, leaked::toFloatArray);
        assertTrue(e.getMessage().contains("Scope"), e.getMessage());
        // the next step of the same shapes gets the recycled buffers, and computes correctly
        try (var s = Scope.open()) {
            Tensor t = w.mul(2).add(1);
            assertArrayEquals(new float[] {3, 5, 7}, t.toFloatArray());
        }
    }

    @Test
    void cpuIsTheBestDeviceWithoutAccelerators() {
        assertEquals(Device.CPU, Device.best());
        var e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(new int[] {2}, DType.F32, Device.parse("nosuch:0")));
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
    }
}
