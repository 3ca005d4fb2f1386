package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.random.Generator;

/**
 * {@link Functional#dropout}'s float32 CPU path (multipliers drawn straight from the Philox words) against
 * its definition: keep element e iff its float32 uniform, compared in float64, is {@code >= p}; kept values
 * are multiplied by {@code (float) (1 / (1 - p))}. Probabilities that float32 cannot hold (0.1, 1/3, 0.7)
 * check the threshold's rounding.
 */
class DropoutMaskTest {
    @Test
    void float32DropoutKeepsExactlyTheUniformsAtLeastP() {
        int n = 20_011;
        for (double p : new double[] {0.1, 1.0 / 3, 0.7, 0.25, 1e-9}) {
            float[] u = new float[n];
            Generator.fillUniform(17, 2, 5, 0, u, 0, n);
            float[] x = new float[n];
            new Generator(3, 1).normal(x);
            float[] y = Functional.dropout(Tensor.of(x, n), p, 17, 2, 5).toFloatArray();
            float keep = (float) (1.0 / (1.0 - p));
            for (int i = 0; i < n; i++) {
                float want = (double) u[i] >= p ? x[i] * keep : 0f * x[i];
                assertEquals(want, y[i], 0f, "p " + p + " element " + i);
            }
        }
    }
}
