/*
 * Where the tests find the shared data: the golden folder from -Dreformer4j.tokenizer.golden, else
 * <reformer4j.shared>/data/tokenizer-golden (the build sets reformer4j.shared), else
 * ../shared/data/tokenizer-golden; vocabularies and corpus beside it in data/. Tests that need them skip
 * (JUnit assumptions) with a message saying what was missing.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class TestData {
    private TestData() {
    }

    static Path shared() {
        String p = System.getProperty("reformer4j.shared");
        return p != null ? Path.of(p) : Path.of("..", "shared");
    }

    static Path goldenDir() {
        String p = System.getProperty("reformer4j.tokenizer.golden");
        Path dir = p != null ? Path.of(p) : shared().resolve("data").resolve("tokenizer-golden");
        assumeTrue(Files.isDirectory(dir), "tokenizer golden folder " + dir.toAbsolutePath()
                + " is absent (set -Dreformer4j.tokenizer.golden or -Dreformer4j.shared); skipping");
        return dir;
    }

    static Path dataDir() {
        Path d = shared().resolve("data");
        if (!Files.isDirectory(d.resolve("vocab"))) {
            d = goldenDir().getParent();
        }
        return d;
    }

    static Path vocabDir(String name) {
        Path dir = dataDir().resolve("vocab").resolve(name);
        assumeTrue(Files.isRegularFile(dir.resolve("vocab.txt")), "vocabulary " + dir.resolve("vocab.txt").toAbsolutePath() + " is absent; skipping");
        return dir;
    }

    static Path corpusDir() {
        Path dir = dataDir().resolve("corpus");
        assumeTrue(Files.isDirectory(dir), "corpus folder " + dir.toAbsolutePath() + " is absent; skipping");
        return dir;
    }

    /** One JSON object per line, split on '\n' only. */
    static List<Map<String, Object>> jsonl(Path file) {
        try {
            String all = Files.readString(file, StandardCharsets.UTF_8);
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : all.split("\n")) {
                if (!line.isBlank()) {
                    out.add(MiniJson.parseObject(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Number) l.get(i)).intValue();
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object list) {
        return (List<String>) list;
    }

    private static final Map<String, BertTokenizer> CACHE = new HashMap<>();

    /**
     * The tokenizer of a golden configuration, loaded the way a user would: bert-base-chinese.lower from the
     * vocab folder alone, bert-base-chinese.hub from a folder that also has the Hub's tokenizer_config.json
     * ({"do_lower_case": false}), bert-base-uncased from its vocab folder.
     */
    static synchronized BertTokenizer tokenizer(String config) {
        return CACHE.computeIfAbsent(config, c -> {
            try {
                return switch (c) {
                    case "bert-base-chinese.lower" -> BertTokenizer.fromPretrained(vocabDir("bert-base-chinese"));
                    case "bert-base-uncased" -> BertTokenizer.fromPretrained(vocabDir("bert-base-uncased"));
                    case "bert-base-chinese.hub" -> {
                        Path dir = Files.createTempDirectory("bert-base-chinese-hub");
                        Files.copy(vocabDir("bert-base-chinese").resolve("vocab.txt"), dir.resolve("vocab.txt"));
                        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false, \"model_max_length\": 512}");
                        BertTokenizer t = BertTokenizer.fromPretrained(dir);
                        Files.delete(dir.resolve("vocab.txt"));
                        Files.delete(dir.resolve("tokenizer_config.json"));
                        Files.delete(dir);
                        yield t;
                    }
                    default -> throw new IllegalArgumentException("unknown golden config " + c);
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
