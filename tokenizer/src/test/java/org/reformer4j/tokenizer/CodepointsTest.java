/*
 * Every one of the 1,112,064 Unicode scalar values against the reference's per-code-point rules in
 * codepoints.tsv (HuggingFace tokenizers 0.23.2): the class tables, and the behaviour of the tokenizer on
 * "x" + c + "y" in the do_lower_case and the Hub (no lowercasing) configurations, where the expected words
 * are derived from the .tsv alone (R joins x and y, W splits them, C and punctuation stand alone, K stays
 * in the word, mapped by the lower column). The fast encoder is checked against the reference path too.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CodepointsTest {
    private static final int N = 0x110000;

    /** Parsed .tsv: clean letter, punct flag, lower mapping (null = itself, empty = removed). */
    private static char[] clean;
    private static boolean[] punct;
    private static int[][] lower;

    private static synchronized void loadTsv() throws IOException {
        if (clean != null) {
            return;
        }
        Path tsv = TestData.goldenDir().resolve("codepoints.tsv");
        Assumptions.assumeTrue(Files.isRegularFile(tsv), tsv + " is absent; skipping");
        char[] c = new char[N];
        boolean[] p = new boolean[N];
        int[][] l = new int[N][];
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            int a = Integer.parseInt(f[0], 16);
            int b = Integer.parseInt(f[1], 16);
            int[] m = CharTablesGenerator.mapping(f[4], line);
            for (int cp = a; cp <= b; cp++) {
                c[cp] = f[2].charAt(0);
                p[cp] = f[3].equals("1");
                l[cp] = m;
            }
        }
        clean = c;
        punct = p;
        lower = l;
    }

    private static boolean isScalar(int cp) {
        return cp < 0xD800 || cp > 0xDFFF;
    }

    @Test
    void classTablesMatchEveryCodePoint() throws IOException {
        loadTsv();
        CharTables t = CharTables.get();
        int checked = 0;
        List<String> bad = new ArrayList<>();
        for (int cp = 0; cp < N; cp++) {
            if (!isScalar(cp)) {
                continue;
            }
            checked++;
            int expectClean = switch (clean[cp]) {
                case 'R' -> CharTables.REMOVE;
                case 'W' -> CharTables.SPACE;
                case 'C' -> CharTables.CHINESE;
                case 'K' -> CharTables.KEEP;
                default -> throw new AssertionError("U+" + Integer.toHexString(cp) + " missing from codepoints.tsv");
            };
            if (t.clean(cp) != expectClean || t.isPunct(cp) != punct[cp]) {
                bad.add("U+" + Integer.toHexString(cp) + " class");
            }
            if (clean[cp] == 'K' && !Arrays.equals(t.lowerMapping(cp), lower[cp])) {
                bad.add("U+" + Integer.toHexString(cp) + " lower " + Arrays.toString(t.lowerMapping(cp)) + " vs " + Arrays.toString(lower[cp]));
            }
        }
        assertEquals(1_112_064, checked);
        assertEquals(List.of(), bad.subList(0, Math.min(bad.size(), 20)), bad.size() + " code points differ");
    }

    @Test
    void tokenizerBehaviourOnEveryCodePoint() throws IOException {
        loadTsv();
        BertTokenizer lowerTok = TestData.tokenizer("bert-base-chinese.lower");
        BertTokenizer hubTok = TestData.tokenizer("bert-base-chinese.hub");
        List<String> bad = new ArrayList<>();
        for (int cp = 0; cp < N && bad.size() < 20; cp++) {
            if (!isScalar(cp)) {
                continue;
            }
            String text = "x" + new String(Character.toChars(cp)) + "y";
            check(cp, text, lowerTok, true, bad);
            check(cp, text, hubTok, false, bad);
        }
        assertEquals(List.of(), bad);
    }

    private static void check(int cp, String text, BertTokenizer tok, boolean lowerCase, List<String> bad) {
        List<String> expected = expectedWords(cp, lowerCase);
        List<String> got = tok.basicTokenizer().tokenize(text);
        if (!got.equals(expected)) {
            bad.add("U+" + Integer.toHexString(cp) + (lowerCase ? " lower" : " hub") + ": expected " + expected + " got " + got);
            return;
        }
        FastEncoder.Scratch s = tok.run(text);
        int[] fast = Arrays.copyOf(s.ids, s.n);
        int[] ref = tok.referenceEncode(text)[0];
        if (!Arrays.equals(fast, ref)) {
            bad.add("U+" + Integer.toHexString(cp) + (lowerCase ? " lower" : " hub") + ": fast " + Arrays.toString(fast) + " reference " + Arrays.toString(ref));
        }
    }

    /** Words of "x" + cp + "y" from the .tsv rules alone. */
    private static List<String> expectedWords(int cp, boolean lowerCase) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder("x");
        switch (clean[cp]) {
            case 'R' -> {
            }
            case 'W' -> flush(words, cur);
            case 'C' -> {
                flush(words, cur);
                // the reference decomposes CJK compatibility ideographs under lowercasing (see CharTablesGenerator)
                int[] m = lowerCase ? CharTables.get().lowerMapping(cp) : null;
                cur.appendCodePoint(m == null ? cp : m[0]);
                flush(words, cur);
            }
            default -> {
                int[] m = lowerCase ? lower[cp] : null;
                for (int x : m == null ? new int[] {cp} : m) {
                    if (punct[x]) {
                        flush(words, cur);
                        cur.appendCodePoint(x);
                        flush(words, cur);
                    } else {
                        cur.appendCodePoint(x);
                    }
                }
            }
        }
        cur.append('y');
        flush(words, cur);
        return words;
    }

    private static void flush(List<String> words, StringBuilder cur) {
        if (!cur.isEmpty()) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }
}
