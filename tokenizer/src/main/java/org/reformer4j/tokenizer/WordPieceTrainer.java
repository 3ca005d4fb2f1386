/*
 * Builds a WordPiece vocab.txt from corpus files, for corpora without a pretrained vocabulary.
 * Algorithm (the WordPiece training of Schuster & Nakajima as HuggingFace's course describes it):
 * 1. split every line into words with the same BasicTokenizer the tokenizer will use, count the words;
 * 2. start from the alphabet: each character as a word start ("c") and as a continuation ("##c");
 * 3. repeatedly merge the adjacent pair (a, b) with the best score count(ab) / (count(a) * count(b))
 *    (ties: higher count, then the earlier pair), giving the token a + b without b's "##", until the
 *    vocabulary is full or no pair occurs minFrequency times.
 * Output: special tokens first (ids 0..), then the alphabet by frequency, then merges in the order made.
 */
package org.reformer4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class WordPieceTrainer {
    private int vocabSize = 30000;
    private int minFrequency = 2;
    private int limitAlphabet = Integer.MAX_VALUE;
    private List<String> specialTokens = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    private String prefix = "##";
    private BasicTokenizer basic = new BasicTokenizer(true, null, true);

    public WordPieceTrainer vocabSize(int n) {
        vocabSize = n;
        return this;
    }

    /** Pairs seen fewer times than this are not merged. */
    public WordPieceTrainer minFrequency(int n) {
        minFrequency = n;
        return this;
    }

    /** Keep only the most frequent characters (default: all); words with other characters are not merged. */
    public WordPieceTrainer limitAlphabet(int n) {
        limitAlphabet = n;
        return this;
    }

    public WordPieceTrainer specialTokens(List<String> tokens) {
        specialTokens = List.copyOf(tokens);
        return this;
    }

    public WordPieceTrainer continuingSubwordPrefix(String p) {
        prefix = p;
        return this;
    }

    /** Basic tokenization options; they should match the tokenizer that will load the vocabulary. */
    public WordPieceTrainer basicTokenizer(boolean doLowerCase, Boolean stripAccents, boolean tokenizeChineseChars) {
        basic = new BasicTokenizer(doLowerCase, stripAccents, tokenizeChineseChars);
        return this;
    }

    /** Trains on the lines of the files (UTF-8, split on '\n') and writes vocab.txt. */
    public List<String> train(List<Path> files, Path vocabTxt) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        for (Path f : files) {
            for (String line : Files.readString(f, StandardCharsets.UTF_8).split("\n")) {
                for (String w : basic.tokenize(line)) {
                    counts.merge(w, 1L, Long::sum);
                }
            }
        }
        List<String> vocab = train(counts);
        StringBuilder sb = new StringBuilder();
        for (String t : vocab) {
            sb.append(t).append('\n');
        }
        Files.writeString(vocabTxt, sb.toString(), StandardCharsets.UTF_8);
        return vocab;
    }

    /** The vocabulary, in id order, for the given word counts. */
    public List<String> train(Map<String, Long> wordCounts) {
        if (vocabSize < specialTokens.size()) {
            throw new IllegalArgumentException("WordPieceTrainer: vocabSize " + vocabSize + " is smaller than the " + specialTokens.size() + " special tokens");
        }
        List<String> tokens = new ArrayList<>(specialTokens);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.putIfAbsent(tokens.get(i), i) != null) {
                throw new IllegalArgumentException("WordPieceTrainer: special token '" + tokens.get(i) + "' is listed twice");
            }
        }
        // alphabet: characters by frequency, as word starts and as continuations
        Map<String, Long> starts = new HashMap<>();
        Map<String, Long> conts = new HashMap<>();
        Map<Integer, Long> charFreq = new HashMap<>();
        for (var e : wordCounts.entrySet()) {
            String w = e.getKey();
            for (int i = 0; i < w.length(); i += Character.charCount(w.codePointAt(i))) {
                charFreq.merge(w.codePointAt(i), e.getValue(), Long::sum);
            }
        }
        List<Integer> chars = new ArrayList<>(charFreq.keySet());
        chars.sort(Comparator.comparing((Integer c) -> -charFreq.get(c)).thenComparing(c -> c));
        var alphabet = new java.util.HashSet<>(chars.subList(0, Math.min(limitAlphabet, chars.size())));
        List<int[]> words = new ArrayList<>();
        List<Long> freqs = new ArrayList<>();
        for (var e : wordCounts.entrySet()) {
            String w = e.getKey();
            int[] cps = w.codePoints().toArray();
            boolean ok = cps.length > 0;
            for (int c : cps) {
                ok &= alphabet.contains(c);
            }
            if (!ok) {
                continue;
            }
            starts.merge(new String(Character.toChars(cps[0])), e.getValue(), Long::sum);
            for (int k = 1; k < cps.length; k++) {
                conts.merge(prefix + new String(Character.toChars(cps[k])), e.getValue(), Long::sum);
            }
            words.add(cps);
            freqs.add(e.getValue());
        }
        for (Map<String, Long> m : List.of(starts, conts)) {
            List<String> keys = new ArrayList<>(m.keySet());
            keys.sort(Comparator.comparing((String k) -> -m.get(k)).thenComparing(k -> k));
            for (String k : keys) {
                if (tokens.size() < vocabSize && !ids.containsKey(k)) {
                    ids.put(k, tokens.size());
                    tokens.add(k);
                }
            }
        }
        new Merger(tokens, ids, words, freqs).run();
        return tokens;
    }

    /** The merge loop over distinct words held as arrays of symbol ids. */
    private final class Merger {
        final List<String> tokens;
        final Map<String, Integer> ids;
        final int[][] sym;
        final long[] wf;
        final Map<Long, Pair> pairs = new LinkedHashMap<>();
        long[] symFreq;

        Merger(List<String> tokens, Map<String, Integer> ids, List<int[]> words, List<Long> freqs) {
            this.tokens = tokens;
            this.ids = ids;
            this.sym = new int[words.size()][];
            this.wf = new long[words.size()];
            this.symFreq = new long[Math.max(16, vocabSize + 1)];
            for (int w = 0; w < sym.length; w++) {
                int[] cps = words.get(w);
                int[] s = new int[cps.length];
                for (int k = 0; k < cps.length; k++) {
                    String t = (k == 0 ? "" : prefix) + new String(Character.toChars(cps[k]));
                    Integer id = ids.get(t);
                    s[k] = id == null ? -1 : id; // -1: the alphabet was cut by vocabSize
                }
                sym[w] = s;
                wf[w] = freqs.get(w);
                for (int k = 0; k < s.length; k++) {
                    if (s[k] >= 0) {
                        symFreq[s[k]] += wf[w];
                    }
                    if (k > 0) {
                        addPair(s[k - 1], s[k], w, wf[w]);
                    }
                }
            }
        }

        void addPair(int a, int b, int w, long n) {
            if (a < 0 || b < 0) {
                return;
            }
            Pair p = pairs.computeIfAbsent(((long) a << 32) | b, k -> new Pair(a, b));
            p.count += n;
            if (n > 0) {
                p.words.add(w);
            }
        }

        void run() {
            while (tokens.size() < vocabSize) {
                Pair best = null;
                double bestScore = -1;
                for (Pair p : pairs.values()) {
                    if (p.count < minFrequency || p.count <= 0) {
                        continue;
                    }
                    double score = p.count / ((double) symFreq[p.a] * symFreq[p.b]);
                    if (score > bestScore || (score == bestScore && p.count > best.count)) {
                        best = p;
                        bestScore = score;
                    }
                }
                if (best == null) {
                    return;
                }
                String b = tokens.get(best.b);
                String merged = tokens.get(best.a) + (b.startsWith(prefix) ? b.substring(prefix.length()) : b);
                Integer id = ids.get(merged);
                if (id == null) {
                    id = tokens.size();
                    ids.put(merged, id);
                    tokens.add(merged);
                    if (id >= symFreq.length) {
                        symFreq = java.util.Arrays.copyOf(symFreq, id * 2);
                    }
                }
                apply(best, id);
            }
        }

        /** Rewrites every word holding the pair, keeping pair counts and symbol counts exact. */
        void apply(Pair p, int id) {
            pairs.remove(((long) p.a << 32) | p.b);
            IntList ws = p.words;
            int last = -1;
            for (int i = 0; i < ws.size(); i++) {
                int w = ws.get(i);
                if (w == last) {
                    continue;
                }
                last = w;
                int[] s = sym[w];
                long n = wf[w];
                int[] out = new int[s.length];
                int m = 0;
                boolean changed = false;
                for (int k = 0; k < s.length; k++) {
                    if (k + 1 < s.length && s[k] == p.a && s[k + 1] == p.b) {
                        out[m++] = id;
                        k++;
                        changed = true;
                    } else {
                        out[m++] = s[k];
                    }
                }
                if (!changed) {
                    continue;
                }
                for (int k = 0; k < s.length; k++) {
                    if (s[k] >= 0) {
                        symFreq[s[k]] -= n;
                    }
                    if (k > 0 && !(s[k - 1] == p.a && s[k] == p.b)) {
                        addPair(s[k - 1], s[k], w, -n);
                    }
                }
                int[] t = java.util.Arrays.copyOf(out, m);
                sym[w] = t;
                for (int k = 0; k < t.length; k++) {
                    if (t[k] >= 0) {
                        symFreq[t[k]] += n;
                    }
                    if (k > 0) {
                        addPair(t[k - 1], t[k], w, n);
                    }
                }
            }
        }
    }

    private static final class Pair {
        final int a;
        final int b;
        long count;
        final IntList words = new IntList(4);

        Pair(int a, int b) {
            this.a = a;
            this.b = b;
        }
    }
}
