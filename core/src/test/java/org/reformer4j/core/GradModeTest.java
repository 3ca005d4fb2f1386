package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** GradMode.enableGrad: recording comes back on inside nested no-grad switches and the state is restored. */
class GradModeTest {
    @Test
    void enableGradInsideNoGradRecordsAndRestores() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        try (var a = GradMode.noGrad(); var b = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            try (var e = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                Tensor y = x.mul(x).sum();
                assertTrue(y.requiresGrad());
                y.backward();
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray(), 0.0);
    }
}
