package org.reformer4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Reads the reformer-pytorch golden fixtures (written by Python's safetensors): every params file's
 * names equal config.json's {@code state_dict_keys} and its shapes equal config.json's {@code shapes};
 * io.safetensors' tokens, lengths and masks read with their dtypes. Skips when the fixtures are absent.
 */
class SafeTensorsGoldenTest {

    @Test
    void paramsMatchConfigJson() throws IOException {
        for (Path fixture : GoldenData.fixturesWith("params.safetensors")) {
            Map<?, ?> config = (Map<?, ?>) Json.parse(Files.readString(fixture.resolve("config.json")));
            Map<?, ?> shapes = (Map<?, ?>) config.get("shapes");
            List<?> keys = (List<?>) config.get("state_dict_keys");
            try (SafeTensors st = SafeTensors.open(fixture.resolve("params.safetensors"))) {
                assertEquals(Set.copyOf(keys), st.names(), fixture + ": names = state_dict_keys");
                for (String name : st.names()) {
                    if (name.endsWith("num_batches_tracked")) {
                        assertEquals("I64", st.dtype(name), fixture + " " + name);
                        st.longs(name);
                    } else {
                        assertEquals("F32", st.dtype(name), fixture + " " + name);
                        float[] v = st.floats(name);
                        assertEquals(v.length, st.entry(name).numel());
                    }
                    List<?> expected = (List<?>) shapes.get(name);
                    if (expected != null) {
                        long[] e = expected.stream().mapToLong(o -> ((Number) o).longValue()).toArray();
                        assertArrayEquals(e, st.shape(name), fixture + " " + name);
                    }
                }
            }
        }
    }

    @Test
    void ioFilesReadWithTheirDtypes() throws IOException {
        for (Path fixture : GoldenData.fixturesWith("io.safetensors")) {
            try (SafeTensors st = SafeTensors.open(fixture.resolve("io.safetensors"))) {
                long[] shape = st.shape("tokens");
                assertEquals(2, shape.length);
                int[] lengths = st.ints("lengths");
                assertEquals(shape[0], lengths.length);
                long[] tokens = st.longs("tokens");
                for (long t : tokens) assertTrue(t >= 0 && t < 1 << 20, fixture + ": token " + t);
                if (st.contains("input_mask")) {
                    assertEquals("BOOL", st.dtype("input_mask"));
                    assertEquals(st.entry("input_mask").numel(), st.bools("input_mask").length);
                }
                assertEquals("F64", st.dtype("loss_f64"));
                assertEquals(st.floats("loss")[0], st.doubles("loss_f64")[0], 1e-4, fixture + ": f32 vs f64 loss");
            }
        }
    }
}
