/*
 * The character rules of one normalizer configuration (lowercase, strip accents, isolate Chinese
 * characters), as HuggingFace's BertNormalizer applies them before BertPreTokenizer splits on whitespace
 * and punctuation: mapping(cp) is what one code point becomes, and the BMP tables (kind, map1) let the
 * fast encoder classify a UTF-16 unit with one array load. The do_lower_case configuration uses the
 * reference's exact tables (CharTables); the other two non-identity ones are derived from Java's
 * Normalizer (NFD) and String.toLowerCase(Locale.ROOT), one code point at a time (no final sigma).
 */
package org.reformer4j.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

final class CharRules {
    /** What the fast path does with a BMP unit. */
    static final byte K_REMOVE = 0, K_SPACE = 1, K_ISOLATE = 2, K_WORD = 3, K_COMPLEX = 4, K_SURROGATE = 5, K_SPECIAL = 6;

    private static final CharRules[] CACHE = new CharRules[8];

    final boolean lowercase;
    final boolean stripAccents;
    final boolean chineseChars;
    final CharTables tables;
    /** kind of every BMP unit (never K_SPECIAL here; tokenizers mark their own copy). */
    final byte[] kind;
    /** for K_WORD and K_ISOLATE: the single BMP char the unit becomes. */
    final char[] map1;

    private CharRules(boolean lowercase, boolean stripAccents, boolean chineseChars) {
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.chineseChars = chineseChars;
        this.tables = CharTables.get();
        this.kind = new byte[0x10000];
        this.map1 = new char[0x10000];
        for (int c = 0; c < 0x10000; c++) {
            classify(c);
        }
    }

    static synchronized CharRules of(boolean lowercase, boolean stripAccents, boolean chineseChars) {
        int key = (lowercase ? 4 : 0) | (stripAccents ? 2 : 0) | (chineseChars ? 1 : 0);
        CharRules r = CACHE[key];
        if (r == null) {
            r = new CharRules(lowercase, stripAccents, chineseChars);
            CACHE[key] = r;
        }
        return r;
    }

    private void classify(int c) {
        if (c >= 0xD800 && c <= 0xDBFF) {
            kind[c] = K_SURROGATE;
            return;
        }
        int clean = tables.clean(c);
        if (clean == CharTables.REMOVE) {
            kind[c] = K_REMOVE;
            return;
        }
        if (clean == CharTables.SPACE) {
            kind[c] = K_SPACE;
            return;
        }
        int[] m = mapping(c);
        if (m == null) {
            m = new int[] {c};
        }
        if (m.length == 0) {
            kind[c] = K_REMOVE;
            return;
        }
        if (m.length != 1 || m[0] > 0xFFFF || isSpace(m[0])) {
            kind[c] = K_COMPLEX;
            return;
        }
        map1[c] = (char) m[0];
        if (isChinese(c) || tables.isPunct(m[0])) {
            kind[c] = K_ISOLATE;
        } else {
            kind[c] = K_WORD;
        }
    }

    boolean isChinese(int cp) {
        return chineseChars && tables.clean(cp) == CharTables.CHINESE;
    }

    /** Whitespace as the pre-tokenizer sees it, for a character produced by normalization. */
    boolean isSpace(int cp) {
        return tables.clean(cp) == CharTables.SPACE;
    }

    boolean isPunct(int cp) {
        return tables.isPunct(cp);
    }

    /** Clean class of the raw code point (CharTables.REMOVE, SPACE, CHINESE, KEEP). */
    int clean(int cp) {
        return tables.clean(cp);
    }

    /**
     * What one kept code point becomes after accent stripping and lowercasing in this configuration:
     * null = itself, empty = removed (a nonspacing mark), else the code points.
     */
    int[] mapping(int cp) {
        if (lowercase && stripAccents) {
            return tables.lowerMapping(cp);
        }
        if (!lowercase && !stripAccents) {
            return null;
        }
        String one = new String(Character.toChars(cp));
        int[] out;
        if (lowercase) {
            out = one.toLowerCase(Locale.ROOT).codePoints().toArray();
        } else {
            out = Normalizer.normalize(one, Normalizer.Form.NFD).codePoints().filter(x -> !tables.isNonspacingMark(x)).toArray();
        }
        return out.length == 1 && out[0] == cp ? null : out;
    }

    long heapBytes() {
        return kind.length + map1.length * 2L + 32;
    }
}
