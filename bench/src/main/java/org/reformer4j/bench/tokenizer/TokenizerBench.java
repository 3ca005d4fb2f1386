/*
 * JMH benchmark of BertTokenizer on the whole shared corpus (../shared/data/corpus/**.txt, 20,684 lines),
 * bert-base-chinese with lowercasing: encodeBatch on 1 and 2 threads, one encode per line, and loading
 * the vocabulary folder. Measured the way reference.json measured HuggingFace tokenizers 0.23.2 (whole
 * corpus per operation). Scores are ms per corpus pass; TokenizerReport turns them into tokens/s, lines/s
 * and chars/s and the ratio to reference.json's entry for this CPU.
 */
package org.reformer4j.bench.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.reformer4j.tokenizer.BertTokenizer;

@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
public class TokenizerBench {
    BertTokenizer tokenizer;
    List<String> lines;
    Path vocabDir;

    /** ../shared, or the folder named by -Dreformer4j.shared. */
    static Path shared() {
        return Path.of(System.getProperty("reformer4j.shared", "../shared"));
    }

    static Path chineseVocabDir() {
        return shared().resolve("data/vocab/bert-base-chinese");
    }

    /** Every line of every corpus .txt file, files in path order. */
    static List<String> corpusLines() throws IOException {
        Path dir = shared().resolve("data/corpus");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("tokenizer bench: corpus folder " + dir.toAbsolutePath() + " is absent (run from the repository root or set -Dreformer4j.shared)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            for (String line : Files.readString(f, StandardCharsets.UTF_8).split("\n")) {
                out.add(line);
            }
        }
        return out;
    }

    @Setup
    public void setup() throws IOException {
        vocabDir = chineseVocabDir();
        tokenizer = BertTokenizer.fromPretrained(vocabDir);
        lines = corpusLines();
    }

    @Benchmark
    public int[][] encodeBatch1Thread() {
        return tokenizer.encodeBatch(lines, 1);
    }

    @Benchmark
    public int[][] encodeBatch2Threads() {
        return tokenizer.encodeBatch(lines, 2);
    }

    @Benchmark
    public void encodePerLine(Blackhole bh) {
        for (String line : lines) {
            bh.consume(tokenizer.encode(line));
        }
    }

    @Benchmark
    public BertTokenizer loadBertBaseChinese() throws IOException {
        return BertTokenizer.fromPretrained(vocabDir);
    }
}
