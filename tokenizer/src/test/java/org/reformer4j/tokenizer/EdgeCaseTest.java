/*
 * Inputs at the edges: a 1 MB single line (mixed text, one huge word, pure CJK), vocabularies with an empty
 * line, CRLF line ends, duplicates, U+2028 inside a token, no final newline, and without [UNK] / [CLS]
 * (refused at load with a message naming the token). Expected ids come from the vocabulary lines.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EdgeCaseTest {
    private static final String SPECIALS = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";

    @Test
    void oneMegabyteSingleLines() {
        BertTokenizer tok = TestData.tokenizer("bert-base-chinese.lower");
        StringBuilder mixed = new StringBuilder();
        String[] parts = {"中文", "abc", " ", "def,", "\u0000", "\ud800", "😂", "Héllo", "[MASK]", "\t", "“", "12345"};
        for (int i = 0; mixed.length() < 1 << 20; i++) {
            mixed.append(parts[i % parts.length]).append(parts[(i * 7) % parts.length]);
        }
        String text = mixed.toString();
        FuzzTest.check(tok, text, "1 MB mixed line");

        String word = "a".repeat(1 << 20);
        assertArrayEquals(new int[] {tok.clsId(), tok.unkId(), tok.sepId()}, tok.encode(word), "a 1 MB word is longer than 100 characters");

        String cjk = "中".repeat(1 << 20);
        int[] ids = tok.encode(cjk);
        assertEquals((1 << 20) + 2, ids.length);
        assertEquals(tok.tokenToId("中"), ids[12345]);
    }

    @Test
    void emptyLineIsAnUnreachableId() {
        Vocabulary v = Vocabulary.parse(SPECIALS + "\nhello\n##s\n");
        assertEquals(8, v.size());
        assertEquals("", v.token(5));
        assertEquals(6, v.id("hello"));
        BertTokenizer tok = BertTokenizer.builder(v).build();
        assertArrayEquals(new int[] {2, 6, 7, 1, 3}, tok.encode("hellos x"));
        assertArrayEquals(new int[] {2, 3}, tok.encode(""));
    }

    @Test
    void lineEndsDuplicatesAndLineSeparator() {
        Vocabulary crlf = Vocabulary.parse("[PAD]\r\n[UNK]\r\nab\r\n");
        assertEquals(2, crlf.id("ab"));
        Vocabulary dup = Vocabulary.parse(SPECIALS + "x\ny\nx\n");
        assertEquals(7, dup.id("x"), "a token listed twice takes its later id, as a Python dict does");
        assertEquals("x", dup.token(5));
        Vocabulary ls = Vocabulary.parse(SPECIALS + "a\u2028b\nc");
        assertEquals(7, ls.size(), "split on \\n only, and the last line needs no newline");
        assertEquals(5, ls.id("a\u2028b"));
        assertEquals(6, ls.id("c"));
    }

    @Test
    void vocabularyWithoutUnkIsRefused() {
        Vocabulary v = Vocabulary.parse("[PAD]\n[CLS]\n[SEP]\nhello\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(v).build());
        assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(Vocabulary.parse("")).build());
        assertTrue(empty.getMessage().contains("0 tokens"), empty.getMessage());
        IllegalArgumentException noCls = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(Vocabulary.parse("[UNK]\n[SEP]\n")).build());
        assertTrue(noCls.getMessage().contains("[CLS]"), noCls.getMessage());
    }

    @Test
    void badOptionsAreRefused() {
        BertTokenizer tok = TestData.tokenizer("bert-base-chinese.lower");
        assertThrows(IllegalArgumentException.class, () -> tok.encode("x", 1));
        assertThrows(IllegalArgumentException.class, () -> tok.encode("x", "y", 2));
        assertThrows(IllegalArgumentException.class, () -> tok.encode(null));
        Vocabulary v = Vocabulary.parse(SPECIALS);
        assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(v).maxInputCharsPerWord(-1).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.builder(v).neverSplit(List.of("<x>")).build());
        assertTrue(e.getMessage().contains("<x>"), e.getMessage());
    }

    @Test
    void neverSplitTokensAreMatchedInRawText() {
        Vocabulary v = Vocabulary.parse(SPECIALS + "<e1>\nab\n##c\n<\ne\n##1\n>\n");
        BertTokenizer plain = BertTokenizer.builder(v).build();
        BertTokenizer kept = BertTokenizer.builder(v).neverSplit(List.of("<e1>")).build();
        assertEquals(List.of("ab", "<", "e", "##1", ">", "ab", "##c"), plain.tokenize("ab<e1>abc"));
        assertEquals(List.of("ab", "<e1>", "ab", "##c"), kept.tokenize("ab<e1>abc"));
        assertEquals("ab <e1> abc", kept.decode(kept.encode("ab<e1>abc")), "never-split tokens are not special: decode keeps them");
    }
}
