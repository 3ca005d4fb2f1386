package org.reformer4j.bench.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.reformer4j.core.io.Json;

/**
 * The model benchmark's table and JSON: per configuration the median time (s/step or ms/token), the peak RSS
 * of its child JVM and the heap limit it ran with, and the speed-up and memory ratio against reformer-pytorch
 * (reference time / ours: above 1 is faster than the reference); then, per training configuration, the float32 GEMM work
 * of a step and its rate over the step's wall time.
 */
final class Report {
    private Report() {}

    static String table(List<Map<String, Object>> rows, ReferenceFigures ref, Map<String, String> xmx) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %12s %10s %10s %12s %10s %10s %10s %6s%n", "config", "ours", "unit", "CPU time",
                "reference", "speed-up", "RSS MiB", "ref MiB", "Xmx"));
        for (Map<String, Object> r : rows) {
            String c = (String) r.get("config");
            boolean gen = c.equals("seed_generate");
            double ours = num(r, gen ? "ms_per_token" : "seconds_per_step");
            double refT = ref.get(c, gen ? "ms_per_token" : "seconds_per_step");
            sb.append(String.format(Locale.ROOT, "%-22s %12.4f %10s %10.4f %12.3f %9.2fx %10.0f %10.0f %6s%s%n", c, ours,
                    gen ? "ms/token" : "s/step", num(r, gen ? "cpu_ms_per_token" : "cpu_seconds_per_step"), refT, refT / ours, num(r, "peak_rss_mib"), ref.get(c, "peak_rss_mib"), xmx.get(c),
                    r.containsKey("error") ? "  " + r.get("error") : ""));
        }
        // the float32 products a training step ran (counted, 2 m n k each) and their rate over the step's wall time:
        // with the machine's FMA peak (bench.peak.FmaPeak) this bounds how fast the step can get
        for (Map<String, Object> r : rows) {
            double gflop = num(r, "gemm_gflop_per_step"), s = num(r, "seconds_per_step");
            if (!Double.isNaN(gflop) && !Double.isNaN(s)) {
                sb.append(String.format(Locale.ROOT, "%-22s GEMM work %.2f GFLOP/step, %.1f GFLOP/s over the step%n", r.get("config"), gflop, gflop / s));
            }
        }
        return sb.toString();
    }

    static String json(String cpu, List<Map<String, Object>> rows, ReferenceFigures ref, Map<String, String> xmx) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cpu", cpu);
        root.put("reference_found", ref.found());
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> m = new LinkedHashMap<>(r);
            String c = (String) r.get("config");
            m.put("xmx", xmx.get(c));
            boolean gen = c.equals("seed_generate");
            double refT = ref.get(c, gen ? "ms_per_token" : "seconds_per_step");
            double ours = num(r, gen ? "ms_per_token" : "seconds_per_step");
            if (!Double.isNaN(refT) && !Double.isNaN(ours)) m.put("speedup_vs_reference", refT / ours);
            double refMem = ref.get(c, "peak_rss_mib");
            if (!Double.isNaN(refMem)) m.put("reference_peak_rss_mib", refMem);
            if (!Double.isNaN(refT)) m.put("reference_time", refT);
            out.add(m);
        }
        root.put("results", out);
        return Json.write(root) + "\n";
    }

    private static double num(Map<String, Object> r, String k) {
        return r.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
