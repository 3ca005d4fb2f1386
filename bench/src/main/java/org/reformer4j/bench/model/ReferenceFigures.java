package org.reformer4j.bench.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.io.Json;

/**
 * reformer-pytorch's figures for this machine: the {@code model} object of the entry of
 * {@code shared/bench/reference.json} whose {@code cpu} equals the {@code lscpu} model name (from
 * /proc/cpuinfo); empty when the file or the entry is absent. The shared folder comes from the system
 * property {@code reformer4j.shared}, else {@code ../shared}, else {@code /work/shared}.
 */
record ReferenceFigures(Map<String, Object> model) {
    boolean found() {
        return model != null;
    }

    /**
     * A number of the config's reference entry ({@code seconds_per_step}, {@code peak_rss_mib}, ...), NaN if absent. A
     * config named {@code X_kept} (the same step with layers kept instead of recomputed) reads X's entry.
     */
    double get(String config, String key) {
        if (config.endsWith("_kept")) config = config.substring(0, config.length() - "_kept".length());
        if (model == null || !(model.get(config) instanceof Map<?, ?> m) || !(m.get(key) instanceof Number n)) return Double.NaN;
        return n.doubleValue();
    }

    @SuppressWarnings("unchecked")
    static ReferenceFigures load(String cpu) throws IOException {
        for (String dir : new String[] {System.getProperty("reformer4j.shared"), "../shared", "/work/shared"}) {
            if (dir == null) continue;
            Path f = Path.of(dir, "bench", "reference.json");
            if (!Files.isReadable(f)) continue;
            Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(f));
            for (Object e : (List<Object>) root.get("machines")) {
                Map<String, Object> m = (Map<String, Object>) e;
                if (cpu.equals(m.get("cpu"))) return new ReferenceFigures((Map<String, Object>) m.get("model"));
            }
            return new ReferenceFigures(null);
        }
        return new ReferenceFigures(null);
    }

    /** The model name lscpu reports. */
    static String cpuModelName() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            for (String l : Files.readAllLines(info)) {
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }
}
