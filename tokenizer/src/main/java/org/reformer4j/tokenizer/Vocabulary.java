/*
 * A WordPiece vocabulary: token strings by id in one char pool, and a trie over their UTF-16 units whose
 * edges live in one open-addressing hash table (key = node << 16 | unit), so exact lookups and the
 * longest-prefix walks of WordPiece touch no boxed string. Mirrors transformers' load_vocab: vocab.txt is
 * split on '\n' only (U+2028 is a token of bert-base-chinese), a trailing '\r' is dropped, an empty line
 * is an id that no word can reach, and for a token listed twice the later id wins (as a Python dict).
 */
package org.reformer4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

public final class Vocabulary {
    private final char[] pool;
    private final int[] start; // token i = pool[start[i] .. start[i+1])
    private final int size;
    // trie
    private long[] keys;
    private int[] vals;
    private int mask;
    private int shift;
    private int[] nodeId; // token id ending at node, or -1
    private int nodes;

    private Vocabulary(char[] pool, int[] start, int size) {
        this.pool = pool;
        this.start = start;
        this.size = size;
        buildTrie();
    }

    /** Reads a vocab.txt file: one token per line, ids in line order. */
    public static Vocabulary load(Path vocabTxt) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(vocabTxt);
        } catch (IOException e) {
            throw new IOException("tokenizer: cannot read vocabulary file " + vocabTxt + ": " + e.getMessage(), e);
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Parses the text of a vocab.txt file. */
    public static Vocabulary parse(String text) {
        int lines = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
            lines++;
        }
        char[] pool = new char[text.length()];
        int[] start = new int[lines + 1];
        int n = 0;
        int p = 0;
        int lineStart = 0;
        for (int i = 0; i <= text.length() && n < lines; i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                int end = i;
                if (end > lineStart && text.charAt(end - 1) == '\r') {
                    end--;
                }
                start[n++] = p;
                text.getChars(lineStart, end, pool, p);
                p += end - lineStart;
                lineStart = i + 1;
            }
        }
        start[n] = p;
        return new Vocabulary(Arrays.copyOf(pool, p), start, n);
    }

    /** A vocabulary from tokens in id order. */
    public static Vocabulary of(List<String> tokens) {
        int total = 0;
        for (String t : tokens) {
            total += t.length();
        }
        char[] pool = new char[total];
        int[] start = new int[tokens.size() + 1];
        int p = 0;
        for (int i = 0; i < tokens.size(); i++) {
            start[i] = p;
            String t = tokens.get(i);
            t.getChars(0, t.length(), pool, p);
            p += t.length();
        }
        start[tokens.size()] = p;
        return new Vocabulary(pool, start, tokens.size());
    }

    private void buildTrie() {
        int cap = Integer.highestOneBit(Math.max(16, pool.length * 2 + 2)) * 2;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        vals = new int[cap];
        mask = cap - 1;
        shift = 64 - Integer.numberOfTrailingZeros(cap);
        nodeId = new int[pool.length + 1];
        Arrays.fill(nodeId, -1);
        nodes = 1; // root = 0
        for (int id = 0; id < size; id++) {
            int node = 0;
            for (int k = start[id]; k < start[id + 1]; k++) {
                node = childOrCreate(node, pool[k]);
            }
            if (start[id + 1] > start[id]) {
                nodeId[node] = id; // later duplicate wins
            }
        }
        nodeId = Arrays.copyOf(nodeId, nodes);
        rehash(Integer.highestOneBit(Math.max(16, nodes * 4 / 3)) * 2);
    }

    /** Moves the edges into a table of cap slots (a power of two), about 0.35-0.7 full. */
    private void rehash(int cap) {
        long[] oldKeys = keys;
        int[] oldVals = vals;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        vals = new int[cap];
        mask = cap - 1;
        shift = 64 - Integer.numberOfTrailingZeros(cap);
        for (int i = 0; i < oldKeys.length; i++) {
            long k = oldKeys[i];
            if (k != -1L) {
                int h = slot(k);
                while (keys[h] != -1L) {
                    h = (h + 1) & mask;
                }
                keys[h] = k;
                vals[h] = oldVals[i];
            }
        }
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private int childOrCreate(int node, char c) {
        long key = ((long) node << 16) | c;
        int h = slot(key);
        while (true) {
            long k = keys[h];
            if (k == key) {
                return vals[h];
            }
            if (k == -1L) {
                keys[h] = key;
                vals[h] = nodes;
                return nodes++;
            }
            h = (h + 1) & mask;
        }
    }

    /** The trie node reached from node by unit c, or -1. Node 0 is the root. */
    int child(int node, char c) {
        long key = ((long) node << 16) | c;
        long[] ks = keys;
        int m = mask;
        int h = (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
        while (true) {
            long k = ks[h];
            if (k == key) {
                return vals[h];
            }
            if (k == -1L) {
                return -1;
            }
            h = (h + 1) & m;
        }
    }

    /** Token id that ends at this node, or -1. */
    int idAt(int node) {
        return nodeId[node];
    }

    /** The node reached by walking s from node, or -1. */
    int walk(int node, CharSequence s) {
        for (int i = 0; i < s.length() && node >= 0; i++) {
            node = child(node, s.charAt(i));
        }
        return node;
    }

    /** Id of a token, or -1 when it is not in the vocabulary. */
    public int id(CharSequence token) {
        if (token.isEmpty()) {
            return -1;
        }
        int node = walk(0, token);
        return node < 0 ? -1 : nodeId[node];
    }

    /** Id of token[from, to), or -1. */
    int id(char[] s, int from, int to) {
        int node = 0;
        for (int i = from; i < to; i++) {
            node = child(node, s[i]);
            if (node < 0) {
                return -1;
            }
        }
        return from == to ? -1 : nodeId[node];
    }

    /** The token string of an id. */
    public String token(int id) {
        if (id < 0 || id >= size) {
            throw new IllegalArgumentException("tokenizer: id " + id + " is out of the vocabulary range [0, " + size + ")");
        }
        return new String(pool, start[id], start[id + 1] - start[id]);
    }

    /** Number of ids (lines of vocab.txt). */
    public int size() {
        return size;
    }

    int trieNodes() {
        return nodes;
    }

    /** Bytes of heap held by the arrays of this vocabulary (object headers included, roughly). */
    public long heapBytes() {
        return 16L * 6 + pool.length * 2L + start.length * 4L + keys.length * 8L + vals.length * 4L + nodeId.length * 4L;
    }
}
