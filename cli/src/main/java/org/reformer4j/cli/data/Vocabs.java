/*
 * Where a run's tokenizer comes from: a folder with vocab.txt, a vocab.txt file, a model name in the local
 * HuggingFace cache (BertTokenizer.fromPretrained), or none - then a WordPiece vocabulary is trained on
 * the corpus with the tokenizer module's WordPieceTrainer (the same basic tokenization as the
 * BertTokenizer that loads it: lower-casing, CJK characters split) and written as the run's vocab.txt.
 */
package org.reformer4j.cli.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.cli.UserError;
import org.reformer4j.cli.train.AtomicFiles;
import org.reformer4j.tokenizer.BasicTokenizer;
import org.reformer4j.tokenizer.BertTokenizer;
import org.reformer4j.tokenizer.Vocabulary;
import org.reformer4j.tokenizer.WordPieceTrainer;

public final class Vocabs {
    private Vocabs() {}

    /** Loads a tokenizer given as a folder, a vocab.txt file or a cached model name. */
    public static BertTokenizer load(String spec) {
        try {
            return BertTokenizer.fromPretrained(spec);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new UserError("cannot load tokenizer '" + spec + "': " + msg.lines().findFirst().orElse(msg), e);
        } catch (IllegalArgumentException e) {
            throw new UserError("cannot load tokenizer '" + spec + "': " + e.getMessage(), e);
        }
    }

    /** Loads the vocab.txt written by {@link #train} (BERT defaults: lower-casing, CJK characters split). */
    public static BertTokenizer loadVocabTxt(Path vocabTxt) {
        return loadVocabTxt(vocabTxt, Map.of());
    }

    /** Loads a run's vocab.txt with the basic-tokenizer options recorded by {@link #options}. */
    public static BertTokenizer loadVocabTxt(Path vocabTxt, Map<String, Object> options) {
        try {
            BertTokenizer.Builder b = BertTokenizer.builder(Vocabulary.load(vocabTxt));
            if (options.get("doLowerCase") instanceof Boolean v) b.doLowerCase(v);
            if (options.get("stripAccents") instanceof Boolean v) b.stripAccents(v);
            if (options.get("tokenizeChineseChars") instanceof Boolean v) b.tokenizeChineseChars(v);
            return b.build();
        } catch (IOException e) {
            throw new UserError("cannot read vocabulary " + vocabTxt + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new UserError("vocabulary " + vocabTxt + " is not usable: " + e.getMessage(), e);
        }
    }

    /** Trains a WordPiece vocabulary of at most {@code maxSize} tokens on the documents and writes it to {@code vocabTxt}. */
    public static BertTokenizer train(List<String> documents, int maxSize, Path vocabTxt) {
        BasicTokenizer basic = new BasicTokenizer(true, null, true);
        Map<String, Long> counts = new HashMap<>();
        for (String d : documents) {
            for (String w : basic.tokenize(d)) counts.merge(w, 1L, Long::sum);
        }
        List<String> tokens = new WordPieceTrainer().vocabSize(maxSize).minFrequency(2).train(counts);
        StringBuilder sb = new StringBuilder();
        for (String t : tokens) sb.append(t).append('\n');
        try {
            AtomicFiles.write(vocabTxt, sb.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserError("cannot write vocabulary " + vocabTxt + ": " + e.getMessage(), e);
        }
        return loadVocabTxt(vocabTxt);
    }

    /** Copies a tokenizer's vocabulary into a run folder as vocab.txt (so a run is self-contained). */
    public static void save(BertTokenizer tok, Path vocabTxt) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tok.vocabSize(); i++) sb.append(tok.idToToken(i)).append('\n');
        AtomicFiles.write(vocabTxt, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The options that rebuild {@code tok} from its vocab.txt (stored in a run's config.json). */
    public static Map<String, Object> options(BertTokenizer tok, String source) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("vocabSize", tok.vocabSize());
        m.put("doLowerCase", tok.doLowerCase());
        m.put("stripAccents", tok.stripAccents());
        m.put("tokenizeChineseChars", tok.tokenizeChineseChars());
        return m;
    }
}
