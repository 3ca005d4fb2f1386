package org.reformer4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.io.GoldenData;
import org.reformer4j.core.io.SafeTensors;

/**
 * The float32 Adam loop against torch.optim.Adam (lr 1e-3, betas (0.9, 0.999), eps 1e-8, one step) on every
 * golden fixture: params + grads -> params_after_adam within 1e-6, tensor by tensor.
 */
class AdamGoldenKernelTest {

    @Test
    void oneAdamStepMatchesTorch() throws IOException {
        int checked = 0;
        for (Path fixture : GoldenData.fixturesWith("params_after_adam.safetensors")) {
            try (SafeTensors params = SafeTensors.open(fixture.resolve("params.safetensors"));
                 SafeTensors grads = SafeTensors.open(fixture.resolve("grads.safetensors"));
                 SafeTensors after = SafeTensors.open(fixture.resolve("params_after_adam.safetensors"))) {
                assertEquals(grads.names(), after.names(), fixture + ": grads and params_after_adam name the same tensors");
                for (String name : grads.names()) {
                    float[] p = params.floats(name), g = grads.floats(name), want = after.floats(name);
                    float[] m = new float[p.length], v = new float[p.length];
                    OptimMath.adam(new OptimMath.AdamStep(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false, 1),
                            p, 0, g, 0, m, v, null, p.length);
                    double worst = 0;
                    for (int i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i] - want[i]));
                    assertTrue(worst <= 1e-6, fixture.getFileName() + " " + name + ": max |diff| " + worst);
                    checked++;
                }
            }
        }
        assertTrue(checked > 0);
    }
}
