package org.reformer4j.bench.gemm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.reformer4j.bench.memory.Bandwidth;
import org.reformer4j.core.io.Json;

/**
 * Turns a JMH JSON result ({@code -rf json -rff FILE}) of {@link GemmSquareBench}, {@link GemmVocabBench},
 * {@link GemmBatchedBench} and {@link org.reformer4j.bench.memory.CopyBench} into the markdown tables of bench/RESULTS.md:
 * GFLOP/s of reformer4j and OpenBLAS side by side with their ratio, and copy bandwidth in GB/s.
 * Usage: {@code java -cp bench/target/benchmarks.jar org.reformer4j.bench.gemm.GemmReport FILE...}
 * (add {@code --enable-native-access=ALL-UNNAMED} to quiet the foreign-function warning).
 */
public final class GemmReport {
    private GemmReport() {}

    private record Row(String bench, Map<String, String> params, double ms, double errMs) {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: GemmReport jmh-result.json...");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        for (String file : args) rows.addAll(read(Path.of(file)));
        System.out.println("CPU: " + cpuModel());
        System.out.println(OpenBlas.describe());
        System.out.println();
        gemmTable(rows, "GemmSquareBench", "size", p -> {
            double s = Double.parseDouble(p.get("size"));
            return 2 * s * s * s;
        });
        gemmTable(rows, "GemmVocabBench", "layout",
                p -> 2.0 * GemmVocabBench.M * GemmVocabBench.K * GemmVocabBench.N);
        gemmTable(rows, "GemmBatchedBench", "batch", p -> 2.0 * Double.parseDouble(p.get("batch"))
                * GemmBatchedBench.M * GemmBatchedBench.K * GemmBatchedBench.N);
        copyTable(rows);
    }

    @SuppressWarnings("unchecked")
    private static List<Row> read(Path file) throws IOException {
        List<Row> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(Files.readString(file))) {
            Map<String, Object> r = (Map<String, Object>) o;
            Map<String, Object> metric = (Map<String, Object>) r.get("primaryMetric");
            if (!"ms/op".equals(metric.get("scoreUnit"))) continue;
            Map<String, String> params = new TreeMap<>();
            Object p = r.get("params");
            if (p != null) ((Map<String, Object>) p).forEach((k, v) -> params.put(k, String.valueOf(v)));
            out.add(new Row((String) r.get("benchmark"), params, number(metric.get("score")),
                    number(metric.get("scoreError"))));
        }
        return out;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static void gemmTable(List<Row> rows, String bench, String key,
                                  java.util.function.ToDoubleFunction<Map<String, String>> flops) {
        Map<String, double[]> table = new TreeMap<>((x, y) -> {
            String[] a = x.split("/"), b = y.split("/");
            int c = compareKey(a[0], b[0]);
            return c != 0 ? c : a[1].compareTo(b[1]);
        });
        for (Row r : rows) {
            if (!r.bench.contains(bench)) continue;
            String id = r.params.get(key) + "/" + r.params.get("threads");
            double gflops = flops.applyAsDouble(r.params) / (r.ms * 1e6);
            double[] cell = table.computeIfAbsent(id, x -> new double[] {Double.NaN, Double.NaN, Double.NaN});
            cell["openblas".equals(r.params.get("impl")) ? 1 : 0] = gflops;
            if (!"openblas".equals(r.params.get("impl"))) cell[2] = r.ms;
        }
        if (table.isEmpty()) return;
        System.out.println("| " + bench + " " + key
                + " | threads | reformer4j GFLOP/s | OpenBLAS GFLOP/s | ratio | reformer4j ms |");
        System.out.println("|---|---|---|---|---|---|");
        table.forEach((id, v) -> {
            String[] p = id.split("/");
            System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %.2f |%n", p[0], p[1], v[0], v[1],
                    v[0] / v[1], v[2]);
        });
        System.out.println();
    }

    private static int compareKey(String a, String b) {
        try {
            return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private static void copyTable(List<Row> rows) {
        boolean header = false;
        for (Row r : rows) {
            if (!r.bench.contains("CopyBench")) continue;
            if (!header) {
                System.out.println("| copy floats | threads | GB/s (read+write) | ms |");
                System.out.println("|---|---|---|---|");
                header = true;
            }
            long floats = Long.parseLong(r.params.get("floats"));
            System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.2f |%n", floats, r.params.get("threads"),
                    Bandwidth.bytesMoved(floats) / (r.ms * 1e6), r.ms);
        }
        if (header) System.out.println();
    }

    /** The "model name" line of /proc/cpuinfo, or the OS architecture when that file is absent. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }
}
