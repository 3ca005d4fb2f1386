/*
 * Runs TokenizerBench through JMH and prints, for this machine, tokens/s, lines/s and chars/s of each
 * corpus benchmark, the ratio to HuggingFace tokenizers 0.23.2 from ../shared/bench/reference.json (the
 * entry whose "cpu" matches this CPU's model name, as lscpu prints it), the load time of bert-base-chinese,
 * and the heap the loaded tokenizer holds (used heap after GC, with and without it).
 * Usage: java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar
 *        org.reformer4j.bench.tokenizer.TokenizerReport [jmh options such as -f 1 -wi 5 -i 5]
 */
package org.reformer4j.bench.tokenizer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.reformer4j.tokenizer.BertTokenizer;

public final class TokenizerReport {
    private TokenizerReport() {
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = TokenizerBench.corpusLines();
        BertTokenizer tok = BertTokenizer.fromPretrained(TokenizerBench.chineseVocabDir());
        long tokens = 0;
        long chars = 0;
        for (String l : lines) {
            tokens += tok.encode(l).length;
            chars += l.codePointCount(0, l.length());
        }
        String cpu = cpuModel();
        System.out.printf("CPU: %s; corpus: %d lines, %d chars, %d tokens (with [CLS]/[SEP])%n", cpu, lines.size(), chars, tokens);
        long heap = heapOfTokenizer();
        System.out.printf("bert-base-chinese tokenizer heap: %.2f MB measured (used heap after GC), %.2f MB of arrays counted by heapBytes()%n",
                heap / 1048576.0, tok.heapBytes() / 1048576.0);

        Options opts = new OptionsBuilder().parent(new CommandLineOptions(args)).include(TokenizerBench.class.getName()).build();
        Collection<RunResult> results = new Runner(opts).run();
        String ref = Files.readString(TokenizerBench.shared().resolve("bench/reference.json"), StandardCharsets.UTF_8);
        String entry = referenceEntry(ref, cpu);
        System.out.println();
        System.out.printf("%-22s %10s %14s %12s %14s %14s %8s%n", "benchmark", "ms/corpus", "tokens/s", "lines/s", "chars/s", "reference", "ratio");
        StringBuilder json = new StringBuilder("{\"cpu\": \"").append(cpu.replace("\"", "'")).append("\", \"tokens\": ").append(tokens)
                .append(", \"lines\": ").append(lines.size()).append(", \"chars\": ").append(chars).append(", \"results\": {");
        String sep = "";
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            double ms = r.getPrimaryResult().getScore();
            json.append(sep).append('"').append(name).append("\": {\"ms\": ").append(ms);
            sep = ", ";
            if (name.startsWith("load")) {
                System.out.printf("%-22s %10.3f ms per load (target < 20 ms)%n", name, ms);
                json.append('}');
                continue;
            }
            double s = ms / 1000.0;
            String key = switch (name) {
                case "encodeBatch1Thread" -> "encode_batch_tokens_per_s_1_thread";
                case "encodeBatch2Threads" -> "encode_batch_tokens_per_s_2_threads";
                case "encodePerLine" -> "encode_per_line_tokens_per_s";
                default -> null;
            };
            double refRate = entry == null || key == null ? Double.NaN : number(entry, key);
            System.out.printf("%-22s %10.3f %14.0f %12.0f %14.0f %14.0f %7.1fx%n", name, ms, tokens / s, lines.size() / s, chars / s, refRate,
                    tokens / s / refRate);
            json.append(", \"tokens_per_s\": ").append(tokens / s).append(", \"ratio_to_reference\": ")
                    .append(Double.isNaN(refRate) ? "null" : String.valueOf(tokens / s / refRate)).append('}');
        }
        Path out = Path.of(System.getProperty("reformer4j.bench.out", "bench/target/tokenizer-bench.json"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json.append("}}\n").toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out);
        if (entry == null) {
            System.out.println("no reference.json entry for CPU '" + cpu + "': ratios are NaN");
        }
        cpuTimes(tok, lines);
    }

    /**
     * Wall and process CPU time per corpus pass of encodeBatch on 1 and 2 threads: when other work
     * shares the cores, CPU time shows the parallel efficiency that the wall clock hides.
     */
    static void cpuTimes(BertTokenizer tok, List<String> lines) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int w = 0; w < 30; w++) {
            tok.encodeBatch(lines, 1);
            tok.encodeBatch(lines, 2);
        }
        for (int threads = 1; threads <= 2; threads++) {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (int r = 0; r < 20; r++) {
                tok.encodeBatch(lines, threads);
            }
            System.out.printf("encodeBatch %d thread(s): %.2f ms wall, %.2f ms process CPU per corpus pass (20 passes)%n", threads,
                    (System.nanoTime() - t0) / 20e6, (os.getProcessCpuTime() - c0) / 20e6);
        }
    }

    /** The model name lscpu reports (from /proc/cpuinfo on x86 Linux). */
    static String cpuModel() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            for (String l : Files.readAllLines(info)) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        }
        return System.getProperty("os.arch");
    }

    /** The JSON text of the machines[] entry whose cpu equals (else prefixes) the model name, or null. */
    static String referenceEntry(String json, String cpu) {
        Matcher m = Pattern.compile("\\{\\s*\"cpu\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        String prefixed = null;
        while (m.find()) {
            int end = json.indexOf("\n    }", m.end());
            String body = json.substring(m.start(), end < 0 ? json.length() : end);
            if (m.group(1).equals(cpu)) {
                return body;
            }
            if (cpu.startsWith(m.group(1)) && prefixed == null) {
                prefixed = body;
            }
        }
        return prefixed;
    }

    static double number(String entry, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(entry);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Used heap after GC with a freshly loaded tokenizer held, minus without it (median of 5). */
    static long heapOfTokenizer() throws IOException {
        long[] d = new long[5];
        for (int i = 0; i < d.length; i++) {
            long before = usedAfterGc();
            BertTokenizer t = BertTokenizer.fromPretrained(TokenizerBench.chineseVocabDir());
            long after = usedAfterGc();
            d[i] = after - before;
            if (t.vocabSize() < 0) {
                throw new AssertionError();
            }
        }
        java.util.Arrays.sort(d);
        return d[d.length / 2];
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
