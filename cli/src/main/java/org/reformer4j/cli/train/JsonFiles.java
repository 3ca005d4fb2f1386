/*
 * config.json / trainer.json files of a run: core.io.Json for parsing and for scalars, with an indented
 * layout so that a person can read and diff them; written atomically (AtomicFiles). Reading errors
 * become one-line UserErrors naming the file.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.reformer4j.cli.UserError;
import org.reformer4j.core.io.Json;

public final class JsonFiles {
    private JsonFiles() {}

    /** Writes a JSON object atomically, indented by two spaces. */
    public static void write(Path file, Map<String, ?> value) throws IOException {
        StringBuilder sb = new StringBuilder();
        pretty(value, sb, "");
        sb.append('\n');
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
        Object v;
        try {
            v = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!(v instanceof Map)) throw new UserError(file + " does not hold a JSON object");
        return (Map<String, Object>) v;
    }

    private static void pretty(Object v, StringBuilder sb, String indent) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            sb.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(indent).append("  ").append(Json.write(String.valueOf(e.getKey()))).append(": ");
                pretty(e.getValue(), sb, indent + "  ");
                sb.append(++i < m.size() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        } else if (v instanceof List<?> l && l.stream().anyMatch(x -> x instanceof Map || x instanceof List)) {
            sb.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                sb.append(indent).append("  ");
                pretty(l.get(i), sb, indent + "  ");
                sb.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        } else if (v instanceof Double d && !Double.isFinite(d)) {
            sb.append("null");
        } else {
            sb.append(Json.write(v));
        }
    }

    // ---- typed getters with one-line errors ----

    public static long getLong(Map<String, Object> m, String key, Path file) {
        if (m.get(key) instanceof Number n) return n.longValue();
        throw new UserError(file + ": missing or non-numeric '" + key + "'");
    }

    public static double getDouble(Map<String, Object> m, String key, double fallback) {
        return m.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> getMap(Map<String, Object> m, String key, Path file) {
        if (m.get(key) instanceof Map<?, ?> sub) return (Map<String, Object>) sub;
        throw new UserError(file + ": missing object '" + key + "'");
    }
}
