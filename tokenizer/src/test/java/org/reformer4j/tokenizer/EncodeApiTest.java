/*
 * The encoding API around the tokens: pairs with token type ids, HuggingFace's longest_first truncation
 * of pairs, batches on several threads (equal to one encode per text), padding to the longest row or to
 * a length with attention masks, offsets pointing at the original characters, and the heap the Chinese
 * vocabulary takes. Expected ids are vocabulary look-ups of single characters.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncodeApiTest {
    private final BertTokenizer tok = TestData.tokenizer("bert-base-chinese.lower");

    private int id(String t) {
        int id = tok.vocabulary().id(t);
        assertTrue(id >= 0, t + " not in vocabulary");
        return id;
    }

    @Test
    void pairWithTypeIds() {
        Encoding e = tok.encode("你好", "世界");
        assertArrayEquals(new int[] {101, id("你"), id("好"), 102, id("世"), id("界"), 102}, e.ids());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1}, e.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[] {0, 0, 1, 0, 0, 1, 0}, e.offsetStarts());
    }

    @Test
    void pairTruncationLongestFirst() {
        String ten = "一二三四五六七八九十";
        // budget 7 = 10 - 3: the shorter (3) is kept, the longer gets 4
        Encoding e = tok.encode(ten, "甲乙丙", 10);
        assertArrayEquals(new int[] {101, id("一"), id("二"), id("三"), id("四"), 102, id("甲"), id("乙"), id("丙"), 102}, e.ids());
        // both longer than half: 7 = 3 + 4, the second gets the odd one
        Encoding f = tok.encode(ten, ten, 10);
        assertArrayEquals(new int[] {101, id("一"), id("二"), id("三"), 102, id("一"), id("二"), id("三"), id("四"), 102}, f.ids());
        Encoding g = tok.encode(ten + ten, ten, 10);
        // first is longer: it gets the odd one (4 tokens + [CLS] + [SEP] of type 0, 3 tokens + [SEP] of type 1)
        assertEquals(List.of(6, 4), List.of(count(g.typeIds(), 0), count(g.typeIds(), 1)));
    }

    private static int count(int[] a, int v) {
        int n = 0;
        for (int x : a) {
            n += x == v ? 1 : 0;
        }
        return n;
    }

    @Test
    void batchOnThreadsEqualsOneByOne() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(TestData.corpusDir().resolve("modern/copywriting-guidelines.txt"), StandardCharsets.UTF_8));
        lines.add("");
        Collections.rotate(lines, 7);
        for (int threads : new int[] {1, 2, 3, 8}) {
            int[][] b = tok.encodeBatch(lines, threads);
            for (int i = 0; i < lines.size(); i++) {
                assertArrayEquals(tok.encode(lines.get(i)), b[i], "threads " + threads + " line " + i);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> tok.encodeBatch(lines, 0));
    }

    @Test
    void padding() {
        List<String> texts = List.of("你好", "我爱北京天安门", "");
        BatchEncoding longest = tok.encodeBatch(texts, 0, BatchEncoding.Padding.LONGEST);
        assertEquals(3, longest.size());
        for (int[] row : longest.inputIds()) {
            assertEquals(9, row.length);
        }
        assertArrayEquals(new int[] {101, id("你"), id("好"), 102, 0, 0, 0, 0, 0}, longest.inputIds()[0]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0, 0, 0, 0}, longest.attentionMask()[0]);
        assertArrayEquals(new int[] {1, 1, 0, 0, 0, 0, 0, 0, 0}, longest.attentionMask()[2]);
        BatchEncoding fixed = tok.encodeBatch(texts, 5, BatchEncoding.Padding.MAX_LENGTH);
        assertArrayEquals(new int[] {101, id("我"), id("爱"), id("北"), 102}, fixed.inputIds()[1]);
        assertArrayEquals(new int[] {101, 102, 0, 0, 0}, fixed.inputIds()[2]);
        BatchEncoding none = tok.encodeBatch(texts, 0, BatchEncoding.Padding.NONE);
        assertEquals(2, none.inputIds()[2].length);
        assertThrows(IllegalArgumentException.class, () -> tok.encodeBatch(texts, 0, BatchEncoding.Padding.MAX_LENGTH));
    }

    @Test
    void offsetsPointAtTheOriginalCharacters() {
        String text = "Héllo, 世界! tokenization 😂";
        Encoding e = tok.encodePlus(text);
        List<String> spans = new ArrayList<>();
        for (int i = 1; i < e.length() - 1; i++) {
            spans.add(text.substring(e.offsetStarts()[i], e.offsetEnds()[i]));
        }
        List<String> tokens = tok.tokenize(text);
        assertEquals(tokens.size(), spans.size());
        assertEquals("Héllo", spans.get(0));
        assertEquals(",", spans.get(1));
        assertEquals("世", spans.get(2));
        assertEquals("😂", spans.get(spans.size() - 1));
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).startsWith("##") || tokens.get(i).equals("to")) {
                word.append(spans.get(i));
            }
        }
        assertEquals("tokenization", word.toString(), "wordpieces cover their word without gaps: " + tokens + " " + spans);
    }

    @Test
    void chineseVocabularyTakesUnderFourMegabytes() {
        long bytes = tok.heapBytes();
        assertTrue(bytes < 4L << 20, "bert-base-chinese tokenizer holds " + bytes + " bytes of arrays");
        assertEquals(21128, tok.vocabSize());
    }
}
