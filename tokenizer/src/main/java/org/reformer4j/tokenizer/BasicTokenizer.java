/*
 * Basic tokenization, one code point at a time: HuggingFace tokenizers' BertNormalizer (clean text,
 * isolate Chinese characters, NFD + drop Mn, lowercase) followed by BertPreTokenizer (split on whitespace,
 * isolate punctuation), i.e. transformers' BasicTokenizer.tokenize with the Rust library's tables.
 * This is the plain reference path: BertTokenizer's table-driven FastEncoder must give the same words,
 * and tests check the two against each other. Each word carries, per UTF-16 unit of its text, the span of
 * the original character it came from (offsets into the input, in UTF-16 units).
 */
package org.reformer4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class BasicTokenizer {
    private final CharRules rules;

    /**
     * @param doLowerCase lowercase (and, when stripAccents is null, strip accents), as transformers' do_lower_case
     * @param stripAccents null follows doLowerCase, as in HuggingFace
     * @param tokenizeChineseChars put spaces around every CJK ideograph
     */
    public BasicTokenizer(boolean doLowerCase, Boolean stripAccents, boolean tokenizeChineseChars) {
        this(CharRules.of(doLowerCase, stripAccents == null ? doLowerCase : stripAccents, tokenizeChineseChars));
    }

    BasicTokenizer(CharRules rules) {
        this.rules = rules;
    }

    /** A normalized word; starts/ends hold the original span of each UTF-16 unit of text. */
    record Word(String text, int[] starts, int[] ends) {
        int codePoints() {
            return text.codePointCount(0, text.length());
        }
    }

    /** The normalized words of text, as BertNormalizer + BertPreTokenizer give them. */
    public List<String> tokenize(String text) {
        List<Word> words = new ArrayList<>();
        split(text, 0, text.length(), words);
        List<String> out = new ArrayList<>(words.size());
        for (Word w : words) {
            out.add(w.text());
        }
        return out;
    }

    /** Appends the words of text[from, to) to out. */
    void split(String text, int from, int to, List<Word> out) {
        Builder b = new Builder(out);
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            int cp = c;
            int n = 1;
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(i + 1));
                n = 2;
            } else if (Character.isSurrogate(c)) {
                cp = 0xFFFD; // a lone surrogate reads as U+FFFD, which clean_text removes
            }
            int clean = rules.clean(cp);
            if (clean == CharTables.REMOVE) {
                // removed: does not separate words
            } else if (clean == CharTables.SPACE) {
                b.flush();
            } else {
                int[] m = rules.mapping(cp);
                if (m == null) {
                    m = new int[] {cp};
                }
                boolean chinese = rules.isChinese(cp);
                if (chinese) {
                    b.flush();
                }
                for (int x : m) {
                    if (rules.isSpace(x)) {
                        b.flush();
                    } else if (rules.isPunct(x)) {
                        b.flush();
                        b.add(x, i, i + n);
                        b.flush();
                    } else {
                        b.add(x, i, i + n);
                    }
                }
                if (chinese) {
                    b.flush();
                }
            }
            i += n;
        }
        b.flush();
    }

    private static final class Builder {
        final List<Word> out;
        final StringBuilder sb = new StringBuilder();
        int[] starts = new int[16];
        int[] ends = new int[16];

        Builder(List<Word> out) {
            this.out = out;
        }

        void add(int cp, int start, int end) {
            int units = Character.charCount(cp);
            if (sb.length() + units > starts.length) {
                starts = Arrays.copyOf(starts, starts.length * 2 + units);
                ends = Arrays.copyOf(ends, ends.length * 2 + units);
            }
            for (int k = 0; k < units; k++) {
                starts[sb.length() + k] = start;
                ends[sb.length() + k] = end;
            }
            sb.appendCodePoint(cp);
        }

        void flush() {
            if (sb.isEmpty()) {
                return;
            }
            int n = sb.length();
            out.add(new Word(sb.toString(), Arrays.copyOf(starts, n), Arrays.copyOf(ends, n)));
            sb.setLength(0);
        }
    }
}
