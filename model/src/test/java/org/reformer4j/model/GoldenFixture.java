package org.reformer4j.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.io.GoldenData;
import org.reformer4j.core.io.Json;
import org.reformer4j.core.nn.StateDicts;

/**
 * One reformer-pytorch golden fixture folder (see ../shared/data/golden/README.md): its config.json and
 * safetensors files as tensors. The root is found by core's {@link GoldenData} ({@code reformer4j.golden},
 * else {@code <reformer4j.shared>/data/golden}, else {@code ../shared/data/golden}); every folder holding a
 * config.json is a fixture.
 */
public record GoldenFixture(Path dir, Map<String, Object> config) {
    public static Path root() {
        return GoldenData.root();
    }

    /** Every fixture folder present, sorted by name; skips the calling test when there is none. */
    public static List<GoldenFixture> all() throws IOException {
        List<Path> dirs = GoldenData.fixturesWith("config.json");
        List<GoldenFixture> out = new java.util.ArrayList<>();
        for (Path d : dirs) out.add(load(d));
        return out;
    }

    @SuppressWarnings("unchecked")
    public static GoldenFixture load(Path dir) throws IOException {
        return new GoldenFixture(dir, (Map<String, Object>) Json.parse(Files.readString(dir.resolve("config.json"))));
    }

    public String name() {
        return dir.getFileName().toString();
    }

    public boolean has(String file) {
        return Files.isRegularFile(dir.resolve(file));
    }

    /** Every tensor of {@code <file>} by name. */
    public Map<String, Tensor> tensors(String file) throws IOException {
        return StateDicts.read(dir.resolve(file));
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String key) {
        Object v = config.get(key);
        return v == null ? Map.of() : (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    public List<long[]> inputSequences() {
        List<long[]> out = new java.util.ArrayList<>();
        for (Object s : (List<Object>) config.get("input_sequences")) {
            List<Object> l = (List<Object>) s;
            long[] a = new long[l.size()];
            for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).longValue();
            out.add(a);
        }
        return out;
    }
}
