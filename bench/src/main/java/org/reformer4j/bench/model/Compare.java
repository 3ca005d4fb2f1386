package org.reformer4j.bench.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link ModelBench}'s comparison by turns: two sides (two builds, or one build under two JVM option sets) run each
 * configuration {@code --rounds} times in alternation, A B in odd rounds and B A in even ones, so that a drift of
 * the machine's speed falls on both; each run is a fresh child JVM with ModelBench's heap and collector. Prints
 * every run's median step (or token) time and its CPU time, each side's median over the runs, the ratio B / A of
 * those medians and how many rounds B won.
 */
final class Compare {
    private Compare() {}

    /** One side: a label, the child's class path and the JVM options it adds. */
    record Side(String label, String classPath, String jvm) {}

    static void run(List<String> configs, Map<String, String> opt) throws Exception {
        List<Side> sides = sides(opt);
        int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
        if (rounds < 1) throw new IllegalArgumentException("ModelBench: --rounds must be at least 1, got " + rounds);
        System.out.println("CPU: " + ReferenceFigures.cpuModelName() + "; A = " + sides.get(0).label() + ", B = " + sides.get(1).label());
        StringBuilder summary = new StringBuilder("| config | A median | B median | B / A | rounds B won |\n| --- | --- | --- | --- | --- |\n");
        for (String c : configs) {
            boolean gen = c.endsWith("generate");
            String key = gen ? "ms_per_token" : "seconds_per_step", cpuKey = gen ? "cpu_ms_per_token" : "cpu_seconds_per_step";
            double[][] t = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    int s = r % 2 == 0 ? k : 1 - k;
                    Side side = sides.get(s);
                    Map<String, Object> res = ModelBench.child(c, opt, side.classPath(), side.jvm());
                    if (res.containsKey("error") || !(res.get(key) instanceof Double v)) {
                        throw new IllegalStateException("ModelBench: " + c + " on side " + "AB".charAt(s) + " (" + side.label() + ") gave no result: " + res);
                    }
                    t[s][r] = v;
                    System.out.printf(Locale.ROOT, "%s round %d %s: %.4f %s, CPU %.2f, peak RSS %.0f MiB%n", c, r + 1, "AB".charAt(s), v,
                            gen ? "ms/token" : "s/step", number(res, cpuKey), number(res, "peak_rss_mib"));
                }
            }
            int won = 0;
            for (int r = 0; r < rounds; r++) if (t[1][r] < t[0][r]) won++;
            double a = median(t[0]), b = median(t[1]);
            summary.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.3f | %d of %d |%n", c, a, b, b / a, won, rounds));
        }
        System.out.print(summary);
    }

    /** The two sides of --compare (jars or class paths, comma-separated) or --compare-jvm (option sets split by |). */
    static List<Side> sides(Map<String, String> opt) {
        if (opt.containsKey("compare") == opt.containsKey("compare-jvm")) {
            throw new IllegalArgumentException("ModelBench: give either --compare A.jar,B.jar or --compare-jvm \"A options|B options\"");
        }
        String own = System.getProperty("java.class.path");
        List<Side> sides = new ArrayList<>();
        if (opt.containsKey("compare")) {
            String[] cps = opt.get("compare").split(",");
            if (cps.length != 2) throw new IllegalArgumentException("ModelBench: --compare takes two class paths, got " + opt.get("compare"));
            for (String cp : cps) {
                for (String part : cp.split(java.io.File.pathSeparator)) {
                    if (!Files.exists(Path.of(part))) throw new IllegalArgumentException("ModelBench: --compare: no such jar or directory: " + part);
                }
                sides.add(new Side(cp, cp, ""));
            }
        } else {
            String[] js = opt.get("compare-jvm").split("\\|", -1);
            if (js.length != 2) throw new IllegalArgumentException("ModelBench: --compare-jvm takes two option sets split by |, got " + opt.get("compare-jvm"));
            for (String j : js) sides.add(new Side(j.isBlank() ? "(no options)" : j.trim(), own, j.trim()));
        }
        return sides;
    }

    private static double number(Map<String, Object> res, String key) {
        return res.get(key) instanceof Double d ? d : Double.NaN;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
