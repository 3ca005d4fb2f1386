package org.reformer4j.bench.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model benchmark of issue 4 (reformer-pytorch's figures in {@code shared/bench/reference.json}): each
 * configuration runs in its own child JVM (so that its peak RSS, read from {@code /proc/self/status} VmHWM at
 * the end, is its own) with the stated {@code -Xmx} and collector ({@link #GC}); the parent prints a table with
 * the ratio to the reference entry whose {@code cpu} equals this machine's {@code lscpu} model name, and writes JSON.
 * Figures are medians of the timed steps after a warm-up of {@code --warmup} steps that lasts at least 10 s for
 * training and 5 s for generation (the JIT's compiling; {@code --warmup 0} times from the first step).
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar org.reformer4j.bench.model.ModelBench \
 *     [--configs seed_train,seed_train_kept,seed_generate,lsh4k_train,lsh4k_train_kept,lsh4k_train_seq16384,
 *                lsh4k_train_depth1,lsh4k_train_depth12]
 *     [--steps 5] [--warmup 2] [--xmx seed_train=1g,...] [--jvm "-XX:+UseG1GC ..."] [--out bench/target/model-bench.json]
 * </pre>
 * On a machine whose speed drifts by 10-30% between minutes, two builds or two JVM settings are compared by turns:
 * {@code --compare old.jar,new.jar} (two {@code benchmarks.jar}, or class paths: each side's child JVM runs that
 * side's classes) or {@code --compare-jvm "-Dx=a|-Dx=b"} (this build under two option sets, added after {@code
 * --jvm}'s), {@code --rounds} times each, A B then B A, for each configuration; it prints every run, each side's
 * median and the ratio of the medians (see {@link Compare}).
 */
public final class ModelBench {
    static final List<String> ALL = List.of("seed_train", "seed_train_kept", "seed_generate", "lsh4k_train", "lsh4k_train_kept",
            "lsh4k_train_seq16384", "lsh4k_train_depth1", "lsh4k_train_depth12");

    /**
     * JVM options of a configuration beyond its heap and collector. A {@code _kept} configuration is its namesake with
     * every layer's graph kept for backward instead of recomputed (ReversibleSequence's keep budget; layers estimated at
     * 16 times their input's bytes: lsh4k 128 MiB, measured ~65-78; the seed 16 MiB) in a larger heap (1000m and 1g), and
     * is compared with its namesake's reference entry. lsh4k kept: 1000m ran as fast as 1400m in the same sittings (1.389
     * / 1.385 s; 1.49 / 1.49 in a slower hour) in a peak RSS of 1094-1097 MiB (reference: 1063); 900m took 1.47-1.70 s.
     */
    static final Map<String, String> EXTRA = Map.of("lsh4k_train_kept", "-Dreformer4j.reversible.keepMiB=1024",
            "seed_train_kept", "-Dreformer4j.reversible.keepMiB=256");

    /**
     * Heap limit per configuration (overridable with --xmx name=size,...). seed_train: 720m ran as fast as 1g in the same
     * sittings (0.83-0.89 against 0.91-0.96 s; 680m 0.91-0.92) with a peak RSS of 720-807 MiB instead of 1056-1119 (640m
     * was 15% slower: bench/RESULTS.md, eighth session).
     */
    static final Map<String, String> XMX = new LinkedHashMap<>(Map.of(
            "seed_train", "720m", "seed_train_kept", "1g", "seed_generate", "1g", "lsh4k_train", "600m", "lsh4k_train_kept", "1000m",
            "lsh4k_train_seq16384", "600m", "lsh4k_train_depth1", "1g", "lsh4k_train_depth12", "1g"));

    /**
     * Collector per configuration unless {@code --jvm} names one (Parallel otherwise). lsh4k at 16384 tokens runs G1 in
     * 600m: its 16-32 MiB activations are humongous objects that G1 allocates in place and frees at the next young
     * collection without copying, where Parallel's young collections copy the live ones (both fit; one Parallel run took
     * 49.5 s of CPU per step against 25-32 s for G1: bench/RESULTS.md, "16384 tokens in 800 MiB"). lsh4k at 4096 tokens
     * runs G1 too: on AMD EPYC its step took 2.04/2.04, 2.16/2.02, 2.59/2.15, 1.93/1.89, 2.36/2.30, 2.58/2.36 s with
     * Parallel / G1 (alternating runs, RSS 675-707 MiB either way). The seed (Parallel 0.54-0.59 s, G1 0.56-0.60) and
     * the depth pair keep Parallel (depth 12: 3.74 s against G1's 4.67 in one pair).
     */
    static final Map<String, String> GC = Map.of("lsh4k_train_seq16384", "-XX:+UseG1GC", "lsh4k_train", "-XX:+UseG1GC",
            "lsh4k_train_kept", "-XX:+UseG1GC");

    private ModelBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        if (opt.containsKey("child")) {
            ModelBenchCase.run(opt.get("child"), Integer.parseInt(opt.getOrDefault("steps", "5")),
                    Integer.parseInt(opt.getOrDefault("warmup", "2")));
            return;
        }
        List<String> configs = opt.containsKey("configs") ? List.of(opt.get("configs").split(",")) : ALL;
        if (opt.containsKey("xmx")) {
            for (String kv : opt.get("xmx").split(",")) XMX.put(kv.split("=")[0], kv.split("=")[1]);
        }
        for (String c : configs) {
            if (!ALL.contains(c)) throw new IllegalArgumentException("ModelBench: unknown config " + c + "; known: " + ALL);
        }
        if (opt.containsKey("compare") || opt.containsKey("compare-jvm")) {
            Compare.run(configs, opt);
            return;
        }
        String cpu = ReferenceFigures.cpuModelName();
        ReferenceFigures ref = ReferenceFigures.load(cpu);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String c : configs) {
            Map<String, Object> r = child(c, opt, System.getProperty("java.class.path"), "");
            rows.add(r);
            System.err.println("done " + r);
        }
        String table = Report.table(rows, ref, XMX);
        System.out.println("CPU: " + cpu + (ref.found() ? "" : " (no reference.json entry for this CPU)"));
        System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.println(table);
        Path out = Path.of(opt.getOrDefault("out", "bench/target/model-bench.json"));
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        Files.writeString(out, Report.json(cpu, rows, ref, XMX));
        System.out.println("wrote " + out);
    }

    /**
     * Runs one configuration in a child JVM on class path {@code classPath}, with {@code extraJvm} after --jvm's
     * options, and parses its RESULT line.
     */
    static Map<String, Object> child(String config, Map<String, String> opt, String classPath, String extraJvm)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Xmx" + XMX.get(config));
        cmd.add("-Xss8m");
        cmd.add("-Dreformer4j.sgemm.count=true"); // the GEMM work of a step (one counter add per product)
        String jvm = (EXTRA.getOrDefault(config, "") + " " + opt.getOrDefault("jvm", "") + " " + extraJvm).trim();
        if (!jvm.contains("GC")) cmd.add(GC.getOrDefault(config, "-XX:+UseParallelGC")); // unless --jvm picks a collector
        if (!jvm.isBlank()) cmd.addAll(List.of(jvm.split(" +")));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(ModelBench.class.getName());
        cmd.addAll(List.of("--child", config, "--steps", opt.getOrDefault("steps", "5"), "--warmup", opt.getOrDefault("warmup", "2")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("config", config);
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).trim().split(" ")) {
                        String[] a = kv.split("=", 2);
                        result.put(a[0], a[1].matches("-?[0-9.eE+-]+") ? (Object) Double.parseDouble(a[1]) : a[1]);
                    }
                } else {
                    System.err.println("  [" + config + "] " + line);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0) result.put("error", "child exited with " + rc);
        return result;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("ModelBench: expected --name value pairs, got " + String.join(" ", args));
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
