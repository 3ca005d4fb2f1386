/*
 * Joins WordPiece tokens into text the way a person writes it: no space next to a CJK character or CJK
 * punctuation (BERT's decode puts a space between every token, "今 天 天 气"), "##" pieces glued to the
 * token before, and elsewhere one space between tokens except before closing punctuation and after an
 * opening bracket. Works token by token so that generation can stream.
 */
package org.reformer4j.cli.generate;

public final class CjkText {
    private String previous;

    /** The text to print for the next token (with a leading space when one is needed). */
    public String append(String token) {
        String prev = previous;
        previous = token.startsWith("##") && token.length() > 2 ? token.substring(2) : token;
        if (token.startsWith("##") && token.length() > 2) return token.substring(2);
        if (prev == null || prev.isEmpty() || token.isEmpty()) return token;
        int a = prev.codePointBefore(prev.length()), b = token.codePointAt(0);
        if (isCjk(a) || isCjk(b)) return token;
        if (".,!?;:)]}%'\"".indexOf(b) >= 0 && Character.charCount(b) == 1) return token;
        if ("([{".indexOf(a) >= 0 && Character.charCount(a) == 1) return token;
        return " " + token;
    }

    /** The whole text of a token sequence. */
    public static String join(Iterable<String> tokens) {
        CjkText t = new CjkText();
        StringBuilder sb = new StringBuilder();
        for (String s : tokens) sb.append(t.append(s));
        return sb.toString();
    }

    /** CJK ideographs, kana, hangul, CJK symbols and punctuation, full-width forms. */
    static boolean isCjk(int cp) {
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        if (s == Character.UnicodeScript.HAN || s == Character.UnicodeScript.HIRAGANA || s == Character.UnicodeScript.KATAKANA
                || s == Character.UnicodeScript.HANGUL || s == Character.UnicodeScript.BOPOMOFO) {
            return true;
        }
        return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0xFE30 && cp <= 0xFE4F)
                || cp == 0x2014 || cp == 0x2026 || cp == 0x201C || cp == 0x201D || cp == 0x2018 || cp == 0x2019 || cp == 0x00B7;
    }
}
