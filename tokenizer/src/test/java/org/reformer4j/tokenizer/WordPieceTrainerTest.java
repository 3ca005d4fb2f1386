/*
 * WordPieceTrainer on the modern corpus files: the vocabulary starts with the special tokens at ids 0..4,
 * has no duplicates, fits the requested size, tokenizes its own corpus with almost no [UNK], and its
 * merges pay off: the corpus' most frequent long English word (counted here independently) is one token,
 * and there are fewer tokens than characters in the English words.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTrainerTest {
    @TempDir
    Path tmp;

    @Test
    void trainsAVocabularyForItsCorpus() throws IOException {
        Path corpus = TestData.corpusDir();
        List<Path> files = List.of(corpus.resolve("modern/trpl-zh-cn.txt"), corpus.resolve("modern/copywriting-guidelines.txt"));
        Path out = tmp.resolve("vocab.txt");
        long t0 = System.nanoTime();
        List<String> vocab = new WordPieceTrainer().vocabSize(8000).minFrequency(2).train(files, out);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 60_000, "training took " + ms + " ms");
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), vocab.subList(0, 5));
        assertEquals(vocab.size(), new HashSet<>(vocab).size(), "no duplicates");
        assertTrue(vocab.size() <= 8000 && vocab.size() > 5000, "size " + vocab.size());

        BertTokenizer tok = BertTokenizer.fromPretrained(out);
        assertEquals(vocab.size(), tok.vocabSize());
        assertEquals(1, tok.unkId());
        long tokens = 0;
        long unk = 0;
        long englishChars = 0;
        long englishTokens = 0;
        Map<String, Integer> wordCounts = new HashMap<>();
        Pattern latinWord = Pattern.compile("[A-Za-z]+");
        for (Path f : files) {
            for (String line : Files.readString(f, StandardCharsets.UTF_8).split("\n")) {
                for (int id : tok.encode(line)) {
                    tokens++;
                    unk += id == tok.unkId() ? 1 : 0;
                }
                Matcher m = latinWord.matcher(line);
                while (m.find()) {
                    wordCounts.merge(m.group().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
                }
            }
        }
        assertTrue(unk * 1000 < tokens, unk + " [UNK] in " + tokens + " tokens");
        String top = wordCounts.entrySet().stream().filter(e -> e.getKey().length() >= 4).max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals(List.of(top), tok.tokenize(top), "the most frequent word of 4+ letters is one token");
        for (var e : wordCounts.entrySet()) {
            englishChars += (long) e.getKey().length() * e.getValue();
            englishTokens += (long) tok.tokenize(e.getKey()).size() * e.getValue();
        }
        assertTrue(englishTokens * 2 < englishChars, englishTokens + " tokens for " + englishChars + " letters");
    }

    @Test
    void smallCountsAndBadSizes() {
        WordPieceTrainer t = new WordPieceTrainer().vocabSize(12).minFrequency(1);
        List<String> v = t.train(Map.of("abab", 5L, "ab", 3L));
        // specials, alphabet a, ##b, ##a, then merges while room is left
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##b", "##a"), v.subList(0, 8));
        assertTrue(v.contains("ab"), v.toString());
        assertTrue(v.size() <= 12);
        assertThrows(IllegalArgumentException.class, () -> new WordPieceTrainer().vocabSize(3).train(Map.of("a", 1L)));
    }
}
