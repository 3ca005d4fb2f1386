/*
 * The single-pass, table-driven encoder behind BertTokenizer.encode: one look-up of a UTF-16 unit in a
 * 64K kind table decides whether it is removed, a space, a word character (with its mapped char), a
 * stand-alone character (a CJK ideograph or punctuation, whose id is precomputed), the start of a special
 * token, or a rare case sent to the general per-code-point path. Words are collected in a reusable char
 * buffer and cut by one trie walk per WordPiece piece. It must give exactly what the reference path
 * (added-token split + BasicTokenizer + WordpieceTokenizer) gives; tests check that.
 */
package org.reformer4j.tokenizer;

import static org.reformer4j.tokenizer.CharRules.K_COMPLEX;
import static org.reformer4j.tokenizer.CharRules.K_ISOLATE;
import static org.reformer4j.tokenizer.CharRules.K_REMOVE;
import static org.reformer4j.tokenizer.CharRules.K_SPACE;
import static org.reformer4j.tokenizer.CharRules.K_SPECIAL;
import static org.reformer4j.tokenizer.CharRules.K_SURROGATE;
import static org.reformer4j.tokenizer.CharRules.K_WORD;

import java.util.Arrays;

final class FastEncoder {
    private final Vocabulary vocab;
    private final CharRules rules;
    private final int unkId;
    private final int contRoot;
    private final int maxChars;
    private final byte[] kind;      // rules.kind with the first units of added tokens marked K_SPECIAL
    private final byte[] baseKind;  // rules.kind
    private final char[] map1;
    private final int[] singleId;   // id of the one-character word of a K_ISOLATE unit
    private final String[] added;   // added tokens matched in the raw text, longest first
    private final int[] addedIds;

    FastEncoder(Vocabulary vocab, CharRules rules, int unkId, String prefix, int maxChars, String[] added, int[] addedIds) {
        this.vocab = vocab;
        this.rules = rules;
        this.unkId = unkId;
        this.contRoot = vocab.walk(0, prefix);
        this.maxChars = maxChars;
        this.baseKind = rules.kind;
        this.map1 = rules.map1;
        this.added = added;
        this.addedIds = addedIds;
        this.kind = rules.kind.clone();
        for (String t : added) {
            kind[t.charAt(0)] = K_SPECIAL;
        }
        this.singleId = new int[0x10000];
        for (int c = 0; c < 0x10000; c++) {
            if (baseKind[c] == K_ISOLATE) {
                int node = vocab.child(0, map1[c]);
                int id = node < 0 ? -1 : vocab.idAt(node);
                singleId[c] = id < 0 || maxChars < 1 ? unkId : id;
            }
        }
    }

    /** Reusable buffers of one thread: output ids with offsets, and the word being collected. */
    static final class Scratch {
        int[] ids = new int[256];
        int[] starts = new int[256];
        int[] ends = new int[256];
        int n;
        char[] w = new char[64];
        int[] ws = new int[64];
        int[] we = new int[64];
        int wlen;
        int wcp;

        void emit(int id, int start, int end) {
            if (n == ids.length) {
                grow();
            }
            ids[n] = id;
            starts[n] = start;
            ends[n] = end;
            n++;
        }

        private void grow() {
            int cap = ids.length * 2;
            ids = Arrays.copyOf(ids, cap);
            starts = Arrays.copyOf(starts, cap);
            ends = Arrays.copyOf(ends, cap);
        }

        void push(char c, int start, int end) {
            if (wlen == w.length) {
                int cap = w.length * 2;
                w = Arrays.copyOf(w, cap);
                ws = Arrays.copyOf(ws, cap);
                we = Arrays.copyOf(we, cap);
            }
            w[wlen] = c;
            ws[wlen] = start;
            we[wlen] = end;
            wlen++;
        }

        /** Drops buffers a huge input left behind, so a thread does not keep megabytes alive. */
        void trim() {
            if (ids.length > 1 << 16) {
                ids = new int[256];
                starts = new int[256];
                ends = new int[256];
            }
            if (w.length > 1 << 14) {
                w = new char[64];
                ws = new int[64];
                we = new int[64];
            }
        }
    }

    /** Appends the tokens of text (no [CLS]/[SEP]) to s.ids/starts/ends. */
    void encode(String text, Scratch s) {
        final byte[] kind = this.kind;
        final int len = text.length();
        int i = 0;
        while (i < len) {
            char c = text.charAt(i);
            byte k = kind[c];
            if (k == K_ISOLATE) {
                if (s.wlen > 0) {
                    flushWord(s);
                }
                s.emit(singleId[c], i, i + 1);
                i++;
                continue;
            }
            if (k == K_WORD) {
                s.push(map1[c], i, i + 1);
                s.wcp++;
                i++;
                continue;
            }
            if (k == K_SPECIAL) {
                int m = matchAdded(text, i, c);
                if (m >= 0) {
                    if (s.wlen > 0) {
                        flushWord(s);
                    }
                    int end = i + added[m].length();
                    s.emit(addedIds[m], i, end);
                    i = end;
                    continue;
                }
                k = baseKind[c];
                if (k == K_ISOLATE) {
                    if (s.wlen > 0) {
                        flushWord(s);
                    }
                    s.emit(singleId[c], i, i + 1);
                    i++;
                    continue;
                }
                if (k == K_WORD) {
                    s.push(map1[c], i, i + 1);
                    s.wcp++;
                    i++;
                    continue;
                }
            }
            switch (k) {
                case K_SPACE -> {
                    if (s.wlen > 0) {
                        flushWord(s);
                    }
                    i++;
                }
                case K_REMOVE -> i++;
                case K_SURROGATE -> {
                    if (i + 1 < len && Character.isLowSurrogate(text.charAt(i + 1))) {
                        codePoint(Character.toCodePoint(c, text.charAt(i + 1)), i, i + 2, s);
                        i += 2;
                    } else {
                        i++; // lone high surrogate: U+FFFD, removed
                    }
                }
                case K_COMPLEX -> {
                    codePoint(c, i, i + 1, s);
                    i++;
                }
                default -> throw new IllegalStateException("tokenizer: unknown character kind " + k + " for U+" + Integer.toHexString(c));
            }
        }
        if (s.wlen > 0) {
            flushWord(s);
        }
    }

    private int matchAdded(String text, int i, char c) {
        for (int m = 0; m < added.length; m++) {
            String t = added[m];
            if (t.charAt(0) == c && text.startsWith(t, i)) {
                return m;
            }
        }
        return -1;
    }

    /** The general path for one code point (BasicTokenizer.split does the same, one code point at a time). */
    private void codePoint(int cp, int start, int end, Scratch s) {
        int clean = rules.clean(cp);
        if (clean == CharTables.REMOVE) {
            return;
        }
        if (clean == CharTables.SPACE) {
            if (s.wlen > 0) {
                flushWord(s);
            }
            return;
        }
        int[] m = rules.mapping(cp);
        boolean chinese = rules.isChinese(cp);
        if (chinese && s.wlen > 0) {
            flushWord(s);
        }
        if (m == null) {
            mapped(cp, start, end, s);
        } else {
            for (int x : m) {
                mapped(x, start, end, s);
            }
        }
        if (chinese && s.wlen > 0) {
            flushWord(s);
        }
    }

    private void mapped(int x, int start, int end, Scratch s) {
        if (rules.isSpace(x)) {
            if (s.wlen > 0) {
                flushWord(s);
            }
        } else if (rules.isPunct(x)) {
            if (s.wlen > 0) {
                flushWord(s);
            }
            pushCodePoint(x, start, end, s);
            flushWord(s);
        } else {
            pushCodePoint(x, start, end, s);
        }
    }

    private static void pushCodePoint(int x, int start, int end, Scratch s) {
        if (x < 0x10000) {
            s.push((char) x, start, end);
        } else {
            s.push(Character.highSurrogate(x), start, end);
            s.push(Character.lowSurrogate(x), start, end);
        }
        s.wcp++;
    }

    /** Greedy longest-match-first WordPiece over the collected word, one trie walk per piece. */
    private void flushWord(Scratch s) {
        final int wlen = s.wlen;
        final int wcp = s.wcp;
        s.wlen = 0;
        s.wcp = 0;
        final char[] w = s.w;
        final int[] ws = s.ws;
        final int[] we = s.we;
        if (wcp > maxChars) {
            s.emit(unkId, ws[0], we[wlen - 1]);
            return;
        }
        final Vocabulary v = vocab;
        int mark = s.n;
        int pos = 0;
        while (pos < wlen) {
            int node = pos == 0 ? 0 : contRoot;
            int bestEnd = -1;
            int bestId = -1;
            int j = pos;
            while (node >= 0 && j < wlen) {
                node = v.child(node, w[j]);
                j++;
                if (node >= 0) {
                    int id = v.idAt(node);
                    if (id >= 0 && !(j < wlen && Character.isLowSurrogate(w[j]) && Character.isHighSurrogate(w[j - 1]))) {
                        bestEnd = j;
                        bestId = id;
                    }
                }
            }
            if (bestEnd < 0) {
                s.n = mark;
                s.emit(unkId, ws[0], we[wlen - 1]);
                return;
            }
            s.emit(bestId, ws[pos], we[bestEnd - 1]);
            pos = bestEnd;
        }
    }

    long heapBytes() {
        return kind.length + singleId.length * 4L + 64;
    }
}
