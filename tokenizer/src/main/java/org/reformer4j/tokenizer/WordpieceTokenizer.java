/*
 * Greedy longest-match-first WordPiece, written as HuggingFace's WordPiece model (tokenizers
 * models/wordpiece) does it: for each start, try the longest remaining substring and shorten it one code
 * point at a time until the vocabulary has it (with the "##" prefix after the first piece); a word longer
 * than maxInputCharsPerWord code points, or with any piece not found, becomes one unknown token.
 * This is the plain reference path; FastEncoder gets the same pieces from one trie walk per piece.
 */
package org.reformer4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

public final class WordpieceTokenizer {
    private final Vocabulary vocab;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;

    public WordpieceTokenizer(Vocabulary vocab, String unkToken, String continuingSubwordPrefix, int maxInputCharsPerWord) {
        this.vocab = vocab;
        this.unkId = vocab.id(unkToken);
        if (unkId < 0) {
            throw new IllegalArgumentException("tokenizer: the vocabulary (" + vocab.size() + " tokens) has no unknown token '" + unkToken + "'");
        }
        this.prefix = continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    /** The wordpieces of one (already normalized) word. */
    public List<String> tokenize(String word) {
        IntList ids = new IntList();
        encode(new BasicTokenizer.Word(word, new int[word.length()], new int[word.length()]), ids, null, null);
        List<String> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(vocab.token(ids.get(i)));
        }
        return out;
    }

    /** Appends the ids of a word's pieces (and their original spans when starts/ends are given). */
    void encode(BasicTokenizer.Word w, IntList ids, IntList starts, IntList ends) {
        String s = w.text();
        int len = s.length();
        if (len == 0) {
            return;
        }
        if (w.codePoints() > maxInputCharsPerWord) {
            add(ids, starts, ends, unkId, w.starts()[0], w.ends()[len - 1]);
            return;
        }
        int mark = ids.size();
        int start = 0;
        StringBuilder sb = new StringBuilder();
        while (start < len) {
            int end = len;
            int found = -1;
            while (start < end) {
                sb.setLength(0);
                if (start > 0) {
                    sb.append(prefix);
                }
                sb.append(s, start, end);
                int id = vocab.id(sb);
                if (id >= 0) {
                    found = id;
                    break;
                }
                end -= Character.charCount(s.codePointBefore(end));
            }
            if (found < 0) {
                ids.truncate(mark);
                if (starts != null) {
                    starts.truncate(mark);
                    ends.truncate(mark);
                }
                add(ids, starts, ends, unkId, w.starts()[0], w.ends()[len - 1]);
                return;
            }
            add(ids, starts, ends, found, w.starts()[start], w.ends()[end - 1]);
            start = end;
        }
    }

    private static void add(IntList ids, IntList starts, IntList ends, int id, int start, int end) {
        ids.add(id);
        if (starts != null) {
            starts.add(start);
            ends.add(end);
        }
    }
}
