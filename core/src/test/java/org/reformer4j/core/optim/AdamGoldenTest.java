package org.reformer4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.io.GoldenData;
import org.reformer4j.core.io.Json;
import org.reformer4j.core.io.SafeTensors;
import org.reformer4j.core.nn.Parameter;

/**
 * Adam against torch.optim.Adam on every golden fixture (folders found at run time): each float32 entry of
 * params.safetensors that is not an alias becomes a Parameter, grads.safetensors supplies the gradients of
 * the canonical parameters (buffers such as inv_freq get none and must stay untouched), one step with
 * lr 1e-3, betas (0.9, 0.999), eps 1e-8 must give params_after_adam.safetensors within 1e-6.
 */
class AdamGoldenTest {

    @Test
    void oneAdamStepMatchesTorchOnEveryFixture() throws IOException {
        int fixtures = 0;
        for (Path fixture : GoldenData.fixturesWith("params_after_adam.safetensors")) {
            Map<?, ?> config = (Map<?, ?>) Json.parse(Files.readString(fixture.resolve("config.json")));
            Map<?, ?> aliases = config.get("aliases") instanceof Map<?, ?> a ? a : Map.of();
            Map<String, Parameter> params = new LinkedHashMap<>();
            Map<String, float[]> before = new LinkedHashMap<>();
            try (SafeTensors p = SafeTensors.open(fixture.resolve("params.safetensors"));
                 SafeTensors g = SafeTensors.open(fixture.resolve("grads.safetensors"))) {
                for (String name : p.names()) {
                    if (aliases.containsKey(name) || !p.dtype(name).equals("F32")) continue; // aliases; I64 counters
                    float[] v = p.floats(name);
                    params.put(name, new Parameter(Tensor.of(v, toInts(p.shape(name)))));
                    before.put(name, v);
                }
                for (String name : g.names()) {
                    Parameter param = params.get(name);
                    assertTrue(param != null, fixture + ": gradient for unknown parameter " + name);
                    param.tensor().setGrad(Tensor.of(g.floats(name), toInts(g.shape(name))));
                }
            }
            Adam adam = new Adam(new ArrayList<>(params.values()), 1e-3);
            adam.step();
            try (SafeTensors after = SafeTensors.open(fixture.resolve("params_after_adam.safetensors"))) {
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    float[] got = e.getValue().tensor().toFloatArray();
                    if (!after.contains(e.getKey())) {
                        assertArrayEquals(before.get(e.getKey()), got, fixture + ": " + e.getKey() + " has no gradient");
                        assertEquals(0, adam.parameterSteps(e.getValue()));
                        continue;
                    }
                    float[] want = after.floats(e.getKey());
                    double worst = 0;
                    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((double) got[i] - want[i]));
                    assertTrue(worst <= 1e-6, fixture.getFileName() + " " + e.getKey() + ": max |diff| " + worst);
                }
                for (String name : after.names()) assertTrue(params.containsKey(name), fixture + ": " + name);
            }
            fixtures++;
        }
        assertTrue(fixtures > 0);
    }

    private static int[] toInts(long[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = Math.toIntExact(s[i]);
        return r;
    }
}
