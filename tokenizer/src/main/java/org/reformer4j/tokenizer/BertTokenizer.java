/*
 * A BERT WordPiece tokenizer that gives HuggingFace's ids: transformers' BertTokenizer /
 * BertTokenizerFast, i.e. tokenizers' BertNormalizer + BertPreTokenizer + WordPiece + the
 * "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" post-processor, with special tokens matched in the raw
 * text first. encode() runs the table-driven FastEncoder; the plain path (BasicTokenizer +
 * WordpieceTokenizer) is kept beside it as its reference. Loading: fromPretrained (PretrainedLoader)
 * or builder(). Decoding: TokenDecoder. Batches: BatchEncoder. Instances are immutable and thread-safe.
 */
package org.reformer4j.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

public final class BertTokenizer {
    private static final ThreadLocal<FastEncoder.Scratch> SCRATCH = ThreadLocal.withInitial(FastEncoder.Scratch::new);

    private final Vocabulary vocab;
    private final boolean doLowerCase;
    private final boolean stripAccents;
    private final boolean tokenizeChineseChars;
    private final int maxInputCharsPerWord;
    private final String prefix;
    private final int unkId, clsId, sepId, padId, maskId;
    private final String[] added;   // raw-text matched tokens, longest first
    private final int[] addedIds;
    private final int[] specialIds; // skipped by decode(skipSpecialTokens = true)
    private final FastEncoder fast;
    private final BasicTokenizer basic;
    private final WordpieceTokenizer wordpiece;

    private BertTokenizer(Builder b) {
        this.vocab = b.vocab;
        this.doLowerCase = b.doLowerCase;
        this.stripAccents = b.stripAccents == null ? b.doLowerCase : b.stripAccents;
        this.tokenizeChineseChars = b.tokenizeChineseChars;
        if (b.maxInputCharsPerWord < 0) {
            throw new IllegalArgumentException("tokenizer: maxInputCharsPerWord must be >= 0, got " + b.maxInputCharsPerWord);
        }
        this.maxInputCharsPerWord = b.maxInputCharsPerWord;
        this.prefix = b.continuingSubwordPrefix;
        this.unkId = required(b.unkToken, "unknown");
        this.clsId = required(b.clsToken, "classifier ([CLS])");
        this.sepId = required(b.sepToken, "separator ([SEP])");
        this.padId = optional(b.padToken);
        this.maskId = optional(b.maskToken);
        Set<String> specials = new LinkedHashSet<>();
        for (String t : new String[] {b.padToken, b.unkToken, b.clsToken, b.sepToken, b.maskToken}) {
            if (t != null && !t.isEmpty() && vocab.id(t) >= 0) {
                specials.add(t);
            }
        }
        for (String t : b.additionalSpecialTokens) {
            if (vocab.id(t) < 0) {
                throw new IllegalArgumentException("tokenizer: special token '" + t + "' is not in the vocabulary (" + vocab.size() + " tokens)");
            }
            specials.add(t);
        }
        Set<String> matched = new LinkedHashSet<>(specials);
        for (String t : b.neverSplit) {
            if (t == null || t.isEmpty()) {
                continue;
            }
            if (vocab.id(t) < 0) {
                throw new IllegalArgumentException("tokenizer: never-split token '" + t + "' is not in the vocabulary (" + vocab.size() + " tokens)");
            }
            matched.add(t);
        }
        List<String> sorted = new ArrayList<>(matched);
        sorted.sort((x, y) -> Integer.compare(y.length(), x.length()));
        this.added = sorted.toArray(new String[0]);
        this.addedIds = new int[added.length];
        for (int i = 0; i < added.length; i++) {
            addedIds[i] = vocab.id(added[i]);
        }
        this.specialIds = specials.stream().mapToInt(vocab::id).toArray();
        CharRules rules = CharRules.of(doLowerCase, stripAccents, tokenizeChineseChars);
        this.fast = new FastEncoder(vocab, rules, unkId, prefix, maxInputCharsPerWord, added, addedIds);
        this.basic = new BasicTokenizer(rules);
        this.wordpiece = new WordpieceTokenizer(vocab, b.unkToken, prefix, maxInputCharsPerWord);
    }

    private int required(String token, String what) {
        int id = token == null ? -1 : vocab.id(token);
        if (id < 0) {
            throw new IllegalArgumentException("tokenizer: the vocabulary (" + vocab.size() + " tokens) has no " + what + " token '" + token
                    + "'; a BERT vocab.txt lists [PAD] [UNK] [CLS] [SEP] [MASK] among its first lines");
        }
        return id;
    }

    private int optional(String token) {
        return token == null || token.isEmpty() ? -1 : vocab.id(token);
    }

    // ---------------------------------------------------------------- loading

    /** A folder holding vocab.txt (and optional config files), a vocab.txt file, or a model name in the local HuggingFace cache. */
    public static BertTokenizer fromPretrained(Path pathOrName) throws IOException {
        return PretrainedLoader.load(pathOrName.toString(), pathOrName);
    }

    /** Like fromPretrained(Path); a string that is no existing path is looked up in the HuggingFace cache ("bert-base-chinese"). */
    public static BertTokenizer fromPretrained(String pathOrName) throws IOException {
        return PretrainedLoader.load(pathOrName, Path.of(pathOrName));
    }

    public static Builder builder(Vocabulary vocab) {
        return new Builder(vocab);
    }

    public static Builder builder(Path vocabTxt) throws IOException {
        return new Builder(Vocabulary.load(vocabTxt));
    }

    /** Options, with HuggingFace's defaults (BertTokenizer(vocab_file)). */
    public static final class Builder {
        final Vocabulary vocab;
        boolean doLowerCase = true;
        Boolean stripAccents = null;
        boolean tokenizeChineseChars = true;
        final List<String> neverSplit = new ArrayList<>();
        final List<String> additionalSpecialTokens = new ArrayList<>();
        String unkToken = "[UNK]", sepToken = "[SEP]", padToken = "[PAD]", clsToken = "[CLS]", maskToken = "[MASK]";
        int maxInputCharsPerWord = 100;
        String continuingSubwordPrefix = "##";

        Builder(Vocabulary vocab) {
            this.vocab = vocab;
        }

        public Builder doLowerCase(boolean v) {
            doLowerCase = v;
            return this;
        }

        /** null (default) strips accents exactly when lowercasing, as HuggingFace does. */
        public Builder stripAccents(Boolean v) {
            stripAccents = v;
            return this;
        }

        public Builder tokenizeChineseChars(boolean v) {
            tokenizeChineseChars = v;
            return this;
        }

        /** Tokens (in the vocabulary) kept whole wherever they appear in the raw text, like added tokens. */
        public Builder neverSplit(Collection<String> tokens) {
            neverSplit.addAll(tokens);
            return this;
        }

        /** More special tokens (in the vocabulary): matched in the raw text and skipped by decode. */
        public Builder additionalSpecialTokens(Collection<String> tokens) {
            additionalSpecialTokens.addAll(tokens);
            return this;
        }

        public Builder unkToken(String t) {
            unkToken = t;
            return this;
        }

        public Builder sepToken(String t) {
            sepToken = t;
            return this;
        }

        public Builder padToken(String t) {
            padToken = t;
            return this;
        }

        public Builder clsToken(String t) {
            clsToken = t;
            return this;
        }

        public Builder maskToken(String t) {
            maskToken = t;
            return this;
        }

        public Builder maxInputCharsPerWord(int v) {
            maxInputCharsPerWord = v;
            return this;
        }

        public Builder continuingSubwordPrefix(String p) {
            continuingSubwordPrefix = p;
            return this;
        }

        public BertTokenizer build() {
            return new BertTokenizer(this);
        }
    }

    // ---------------------------------------------------------------- encoding

    /** Runs the fast encoder on text; the tokens are in the returned scratch (of this thread). */
    FastEncoder.Scratch run(String text) {
        if (text == null) {
            throw new IllegalArgumentException("tokenizer: text is null");
        }
        FastEncoder.Scratch s = SCRATCH.get();
        s.n = 0;
        s.wlen = 0;
        s.wcp = 0;
        fast.encode(text, s);
        return s;
    }

    /** The wordpiece tokens of text, without [CLS]/[SEP] (tokenizer.tokenize(text)). */
    public List<String> tokenize(String text) {
        FastEncoder.Scratch s = run(text);
        List<String> out = new ArrayList<>(s.n);
        for (int i = 0; i < s.n; i++) {
            out.add(vocab.token(s.ids[i]));
        }
        s.trim();
        return out;
    }

    /** [CLS] + ids of the tokens + [SEP] (tokenizer(text)["input_ids"]). */
    public int[] encode(String text) {
        return encode(text, Integer.MAX_VALUE);
    }

    /** Like encode(text), truncated to at most maxLength ids: [CLS] + first maxLength-2 tokens + [SEP]. */
    public int[] encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("tokenizer: maxLength " + maxLength + " leaves no room for [CLS] and [SEP] (needs >= 2)");
        }
        FastEncoder.Scratch s = run(text);
        int n = Math.min(s.n, maxLength - 2);
        int[] out = new int[n + 2];
        out[0] = clsId;
        System.arraycopy(s.ids, 0, out, 1, n);
        out[n + 1] = sepId;
        s.trim();
        return out;
    }

    /** ids, type ids, attention mask and offsets of one text. */
    public Encoding encodePlus(String text) {
        return encodePlus(text, Integer.MAX_VALUE);
    }

    public Encoding encodePlus(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("tokenizer: maxLength " + maxLength + " leaves no room for [CLS] and [SEP] (needs >= 2)");
        }
        FastEncoder.Scratch s = run(text);
        int n = Math.min(s.n, maxLength - 2);
        Encoding e = assemble(s.ids, s.starts, s.ends, n, null, null, null, 0);
        s.trim();
        return e;
    }

    /** A pair: [CLS] a [SEP] b [SEP] with type ids 0...0 1...1 (tokenizer(a, b)). */
    public Encoding encode(String a, String b) {
        return encode(a, b, Integer.MAX_VALUE);
    }

    /** A pair truncated to maxLength ids, longest first (HuggingFace's default "longest_first"). */
    public Encoding encode(String a, String b, int maxLength) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("tokenizer: maxLength " + maxLength + " leaves no room for [CLS] a [SEP] b [SEP] (needs >= 3)");
        }
        FastEncoder.Scratch s = run(a);
        int[] ia = Arrays.copyOf(s.ids, s.n);
        int[] sa = Arrays.copyOf(s.starts, s.n);
        int[] ea = Arrays.copyOf(s.ends, s.n);
        s = run(b);
        int n1 = ia.length;
        int n2 = s.n;
        long budget = (long) maxLength - 3;
        if (n1 + (long) n2 > budget) {
            // tokenizers' truncate_encodings, LongestFirst: the shorter keeps min(its length, budget/2)...
            boolean swap = n1 > n2;
            int small = swap ? n2 : n1;
            int large;
            int bud = (int) budget;
            large = small > bud ? small : Math.max(small, bud - small);
            if (small + large > bud) {
                small = bud / 2;
                large = small + bud % 2;
            }
            n1 = swap ? large : small;
            n2 = swap ? small : large;
        }
        Encoding e = assemble(ia, sa, ea, n1, s.ids, s.starts, s.ends, n2);
        s.trim();
        return e;
    }

    private Encoding assemble(int[] ia, int[] sa, int[] ea, int n1, int[] ib, int[] sb, int[] eb, int n2) {
        boolean pair = ib != null;
        int len = n1 + 2 + (pair ? n2 + 1 : 0);
        int[] ids = new int[len];
        int[] types = new int[len];
        int[] mask = new int[len];
        int[] st = new int[len];
        int[] en = new int[len];
        Arrays.fill(mask, 1);
        ids[0] = clsId;
        System.arraycopy(ia, 0, ids, 1, n1);
        System.arraycopy(sa, 0, st, 1, n1);
        System.arraycopy(ea, 0, en, 1, n1);
        ids[n1 + 1] = sepId;
        if (pair) {
            int o = n1 + 2;
            System.arraycopy(ib, 0, ids, o, n2);
            System.arraycopy(sb, 0, st, o, n2);
            System.arraycopy(eb, 0, en, o, n2);
            ids[len - 1] = sepId;
            Arrays.fill(types, o, len, 1);
        }
        return new Encoding(ids, types, mask, st, en);
    }

    /** encode() of every text, on all cores. */
    public int[][] encodeBatch(List<String> texts) {
        return BatchEncoder.encodeAll(this, texts, Runtime.getRuntime().availableProcessors());
    }

    /** encode() of every text on the given number of threads (1 = the calling thread only). */
    public int[][] encodeBatch(List<String> texts, int threads) {
        return BatchEncoder.encodeAll(this, texts, threads);
    }

    /**
     * A padded batch: each text truncated to maxLength ids when maxLength > 0, then padded as asked
     * (tokenizer(texts, padding=..., truncation=True, max_length=maxLength)).
     */
    public BatchEncoding encodeBatch(List<String> texts, int maxLength, BatchEncoding.Padding padding) {
        return BatchEncoder.padded(this, texts, maxLength, padding);
    }

    // ---------------------------------------------------------------- reference path

    /** The plain reference path: added-token split, BasicTokenizer, WordpieceTokenizer; ids then starts then ends. */
    int[][] referenceEncode(String text) {
        IntList ids = new IntList();
        IntList st = new IntList();
        IntList en = new IntList();
        List<BasicTokenizer.Word> words = new ArrayList<>();
        int segStart = 0;
        int i = 0;
        while (i < text.length()) {
            int m = -1;
            for (int k = 0; k < added.length; k++) {
                if (text.startsWith(added[k], i)) {
                    m = k;
                    break;
                }
            }
            if (m < 0) {
                i++;
                continue;
            }
            words.clear();
            basic.split(text, segStart, i, words);
            for (BasicTokenizer.Word w : words) {
                wordpiece.encode(w, ids, st, en);
            }
            ids.add(addedIds[m]);
            st.add(i);
            en.add(i + added[m].length());
            i += added[m].length();
            segStart = i;
        }
        words.clear();
        basic.split(text, segStart, text.length(), words);
        for (BasicTokenizer.Word w : words) {
            wordpiece.encode(w, ids, st, en);
        }
        return new int[][] {ids.toArray(), st.toArray(), en.toArray()};
    }

    // ---------------------------------------------------------------- decoding and lookups

    /** Text of ids, skipping special tokens, with transformers' clean_up_tokenization (its v4 default for BERT). */
    public String decode(int[] ids) {
        return decode(ids, true, TokenDecoder.Cleanup.TRANSFORMERS);
    }

    public String decode(int[] ids, boolean skipSpecialTokens, TokenDecoder.Cleanup cleanup) {
        return TokenDecoder.decode(this, ids, skipSpecialTokens, cleanup);
    }

    public boolean isSpecial(int id) {
        for (int s : specialIds) {
            if (s == id) {
                return true;
            }
        }
        return false;
    }

    public List<String> convertIdsToTokens(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(vocab.token(id));
        }
        return out;
    }

    /** Ids of tokens; a token not in the vocabulary gives the unknown id. */
    public int[] convertTokensToIds(List<String> tokens) {
        int[] out = new int[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tokenToId(tokens.get(i));
        }
        return out;
    }

    public int tokenToId(String token) {
        int id = vocab.id(token);
        return id < 0 ? unkId : id;
    }

    public String idToToken(int id) {
        return vocab.token(id);
    }

    public int vocabSize() {
        return vocab.size();
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    public BasicTokenizer basicTokenizer() {
        return basic;
    }

    public WordpieceTokenizer wordpieceTokenizer() {
        return wordpiece;
    }

    public int unkId() {
        return unkId;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    /** Id of [PAD], or -1 when the vocabulary has none. */
    public int padId() {
        return padId;
    }

    /** Id of [MASK], or -1 when the vocabulary has none. */
    public int maskId() {
        return maskId;
    }

    public boolean doLowerCase() {
        return doLowerCase;
    }

    public boolean stripAccents() {
        return stripAccents;
    }

    public boolean tokenizeChineseChars() {
        return tokenizeChineseChars;
    }

    public int maxInputCharsPerWord() {
        return maxInputCharsPerWord;
    }

    /** Heap held by this tokenizer's own arrays plus the shared character tables (bytes, approximate). */
    public long heapBytes() {
        CharRules r = CharRules.of(doLowerCase, stripAccents, tokenizeChineseChars);
        return vocab.heapBytes() + fast.heapBytes() + r.heapBytes() + CharTables.get().heapBytes();
    }

    @Override
    public String toString() {
        return "BertTokenizer[vocab=" + vocab.size() + ", doLowerCase=" + doLowerCase + ", stripAccents=" + stripAccents
                + ", tokenizeChineseChars=" + tokenizeChineseChars + ", maxInputCharsPerWord=" + maxInputCharsPerWord + "]";
    }
}
