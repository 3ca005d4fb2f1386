/*
 * Autoregressive generation for the command line (reformer-pytorch TrainingWrapper.generate, GEN:52-82):
 * the prompt is encoded as [CLS] + its tokens, then each step feeds the last maxSeqLen tokens to the
 * model, samples the next token (Sampler), and hands its text to a sink at once (streaming), until the
 * length is reached or the end token comes. Prompt words the vocabulary lacks become [UNK] with a warning.
 */
package org.reformer4j.cli.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.reformer4j.cli.data.Shuffle;
import org.reformer4j.cli.train.ModelHandle;
import org.reformer4j.core.random.Generator;
import org.reformer4j.tokenizer.BertTokenizer;

public final class Generation {
    private Generation() {}

    /** Prompt ids: [CLS] and the prompt's tokens (no [SEP]). */
    public static long[] promptIds(BertTokenizer tok, String prompt) {
        int[] ids = tok.encode(prompt);
        int n = ids.length;
        if (n > 0 && ids[n - 1] == tok.sepId()) n--;
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = ids[i];
        return out;
    }

    /** The prompt's words that encode to [UNK] (empty when the vocabulary covers the prompt). */
    public static List<String> unknownWords(BertTokenizer tok, String prompt) {
        List<String> out = new ArrayList<>();
        for (String w : tok.basicTokenizer().tokenize(prompt)) {
            for (int id : tok.encode(w)) {
                if (id == tok.unkId() && !out.contains(w)) out.add(w);
            }
        }
        return out;
    }

    /**
     * Samples up to {@code length} tokens after the prompt, passing each token's text to {@code sink} as it
     * comes; stops early at {@code eosId} (negative: never). Returns the generated ids (without the prompt).
     */
    public static long[] run(ModelHandle model, BertTokenizer tok, long[] prompt, int length, Sampler sampler, int eosId, long seed,
                             CjkText text, Consumer<String> sink) {
        long[] seq = new long[prompt.length + length];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        int n = prompt.length;
        Generator rotations = new Generator(seed, Shuffle.SAMPLE_ROTATION_STREAM, 0);
        for (int i = 0; i < length; i++) {
            long[] ctx = java.util.Arrays.copyOf(seq, n);
            int next = sampler.sample(model.nextLogits(ctx, rotations));
            if (next == eosId) break;
            seq[n++] = next;
            if (!tok.isSpecial(next) || next == tok.unkId()) sink.accept(text.append(tok.idToToken(next)));
        }
        return java.util.Arrays.copyOfRange(seq, prompt.length, n);
    }

    /** The text of a prompt's ids as CjkText joins them (special tokens but [UNK] dropped), priming {@code text}. */
    public static String promptText(BertTokenizer tok, long[] prompt, CjkText text) {
        StringBuilder sb = new StringBuilder();
        for (long id : prompt) {
            if (!tok.isSpecial((int) id) || id == tok.unkId()) sb.append(text.append(tok.idToToken((int) id)));
        }
        return sb.toString();
    }
}
