package org.reformer4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.io.GoldenData;
import org.reformer4j.core.io.Json;
import org.reformer4j.core.io.SafeTensors;
import org.reformer4j.core.random.Generator;

/** Module state dicts through safetensors files: round trip, dtypes kept, golden params read as tensors. */
class StateDictsTest {
    @TempDir
    Path dir;

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        ModuleTest.Model a = new ModuleTest.Model(new Generator(1, 0), false);
        ModuleTest.Model b = new ModuleTest.Model(new Generator(9, 0), false);
        Path f = dir.resolve("model.safetensors");
        StateDicts.save(a, f);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(List.copyOf(a.stateDict().keySet()), List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals("F32", st.dtype("layers.1.fn.to_out.bias"));
        }
        assertTrue(StateDicts.load(b, f, true).isComplete());
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        Linear other = new Linear(3, 3);
        var err = assertThrows(IllegalArgumentException.class, () -> StateDicts.load(other, f, true));
        assertTrue(err.getMessage().contains("model.safetensors") && err.getMessage().contains("missing keys"), err.getMessage());
    }

    @Test
    void everyDtypeSurvives() throws IOException {
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        t.put("f64", Tensor.of(new double[] {Math.PI, -1}, 2));
        t.put("i64", Tensor.of(new long[] {1L << 40, -3}, 1, 2));
        t.put("i32", Tensor.of(new int[] {7}, 1));
        t.put("mask", Tensor.of(new boolean[] {true, false, true}, 3));
        Path f = dir.resolve("mixed.safetensors");
        StateDicts.write(t, f, null);
        Map<String, Tensor> r = StateDicts.read(f);
        assertEquals(DType.F64, r.get("f64").dtype());
        assertArrayEquals(new double[] {Math.PI, -1}, r.get("f64").toDoubleArray());
        assertArrayEquals(new long[] {1L << 40, -3}, r.get("i64").toLongArray());
        assertArrayEquals(new int[] {1, 2}, r.get("i64").shape());
        assertEquals(DType.I32, r.get("i32").dtype());
        assertArrayEquals(new boolean[] {true, false, true}, r.get("mask").toBoolArray());
    }

    @Test
    void goldenParamsReadAsTensors() throws IOException {
        for (Path fixture : GoldenData.fixturesWith("params.safetensors")) {
            Map<?, ?> shapes = (Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(fixture.resolve("config.json")))).get("shapes");
            Map<String, Tensor> state = StateDicts.read(fixture.resolve("params.safetensors"));
            for (var e : state.entrySet()) {
                List<?> s = (List<?>) shapes.get(e.getKey());
                if (s == null) continue;
                int[] want = s.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
                assertArrayEquals(want, e.getValue().shape(), fixture.getFileName() + " " + e.getKey());
            }
        }
    }
}
