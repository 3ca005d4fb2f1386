/*
 * Property tests (jqwik, bounded tries): on arbitrary text - lone surrogates, controls, combining marks,
 * CJK, emoji, pieces of special tokens - encode never throws, the fast encoder gives exactly the ids and
 * offsets of the plain reference path, offsets are inside the text and in order, and truncation keeps
 * [CLS] + a prefix + [SEP]. Run for a built-in vocabulary in all four normalizer settings, and for the
 * three golden configurations when the shared data is present.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

class FuzzTest {
    private static final String[] CONFIGS = {"bert-base-chinese.lower", "bert-base-chinese.hub", "bert-base-uncased"};
    private static volatile List<Map.Entry<String, BertTokenizer>> tokenizers;

    /**
     * A small built-in vocabulary (always tested, so the property runs without the shared data) plus the
     * three golden configurations when ../shared is there.
     */
    static List<Map.Entry<String, BertTokenizer>> tokenizers() {
        if (tokenizers == null) {
            List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "token", "##ization", "hel", "##lo", "un", "##aff", "##able"));
            for (char c = '!'; c <= '~'; c++) {
                v.add(String.valueOf(c));
                v.add("##" + c);
            }
            for (String t : "中文你好世界一二三😂ßéο##".split("")) {
                v.add(t);
            }
            Vocabulary vocab = Vocabulary.of(v);
            List<Map.Entry<String, BertTokenizer>> list = new ArrayList<>();
            list.add(Map.entry("built-in lower", BertTokenizer.builder(vocab).build()));
            list.add(Map.entry("built-in cased", BertTokenizer.builder(vocab).doLowerCase(false).build()));
            list.add(Map.entry("built-in strip only", BertTokenizer.builder(vocab).doLowerCase(false).stripAccents(true).build()));
            list.add(Map.entry("built-in lowercase only", BertTokenizer.builder(vocab).stripAccents(false).tokenizeChineseChars(false).maxInputCharsPerWord(8).build()));
            String p = System.getProperty("reformer4j.shared");
            Path shared = p != null ? Path.of(p) : Path.of("..", "shared");
            if (Files.isDirectory(shared.resolve("data").resolve("vocab"))) {
                for (String c : CONFIGS) {
                    list.add(Map.entry(c, TestData.tokenizer(c)));
                }
            }
            tokenizers = list;
        }
        return tokenizers;
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<Character> ch = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.chars().ascii()),
                Tuple.of(5, Arbitraries.chars().range('\u4e00', '\u9fff')),
                Tuple.of(2, Arbitraries.chars().range('\ud800', '\udfff')),
                Tuple.of(2, Arbitraries.chars().range('\u0000', '\u009f')),
                Tuple.of(2, Arbitraries.chars().range('\u0300', '\u036f')),
                Tuple.of(1, Arbitraries.chars().range('\u2000', '\u206f')),
                Tuple.of(1, Arbitraries.chars().range('\uac00', '\ud7a3')),
                Tuple.of(1, Arbitraries.chars().range('\uf900', '\ufaff')),
                Tuple.of(3, Arbitraries.chars()));
        Arbitrary<String> piece = Arbitraries.oneOf(
                ch.map(String::valueOf),
                ch.map(String::valueOf),
                ch.map(String::valueOf),
                Arbitraries.of("[MASK]", "[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MAS", "[mask]", "😂", "𠮷", "\ud86e\udc1f", "Héllo", "ǅ", "İ",
                        "ΟΔΟΣ", "안녕", "##", "ﬁ", "e\u0301", "  ", "\u200b", "tokenization", "unaffable", "100€", "\ufffd"));
        return piece.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 600)
    void fastEqualsReferenceAndNeverThrows(@ForAll("texts") String text) {
        checkAll(text);
    }

    @Property(tries = 300)
    void anyUtf16StringIsAccepted(@ForAll String text) {
        checkAll(text);
    }

    static void checkAll(String text) {
        for (Map.Entry<String, BertTokenizer> t : tokenizers()) {
            check(t.getValue(), text, t.getKey());
        }
    }

    static void check(BertTokenizer tok, String text, String config) {
        Encoding e = tok.encodePlus(text);
        int[][] ref = tok.referenceEncode(text);
        int n = e.length() - 2;
        String where = config + " on " + (text.length() > 200 ? "a text of " + text.length() + " chars" : escape(text));
        assertArrayEquals(ref[0], Arrays.copyOfRange(e.ids(), 1, n + 1), where + ": ids");
        assertArrayEquals(ref[1], Arrays.copyOfRange(e.offsetStarts(), 1, n + 1), where + ": offset starts");
        assertArrayEquals(ref[2], Arrays.copyOfRange(e.offsetEnds(), 1, n + 1), where + ": offset ends");
        int prevStart = 0;
        for (int i = 1; i <= n; i++) {
            int s = e.offsetStarts()[i];
            int en = e.offsetEnds()[i];
            if (!(s >= prevStart && s < en && en <= text.length())) {
                throw new AssertionError(where + ": offsets of token " + i + " (" + s + ", " + en + ")");
            }
            prevStart = s;
            if (e.ids()[i] < 0 || e.ids()[i] >= tok.vocabSize()) {
                throw new AssertionError(where + ": id " + e.ids()[i] + " of token " + i);
            }
        }
        int[] t = tok.encode(text, 8);
        assertEquals(Math.min(e.length(), 8), t.length, where + ": truncated length");
        assertEquals(tok.sepId(), t[t.length - 1], where);
        assertArrayEquals(Arrays.copyOf(e.ids(), t.length - 1), Arrays.copyOf(t, t.length - 1), where + ": truncated prefix");
        assertEquals(n, tok.tokenize(text).size(), where);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
