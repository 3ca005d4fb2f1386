/*
 * Documents -> training sequences of token ids: each document is encoded as [CLS] tokens [SEP]; one
 * longer than a window (maxSeqLen + 1 tokens: inputs s[:-1] and targets s[1:], as reformer-pytorch's
 * TrainingWrapper) is cut into windows that overlap by one token, so every next-token pair is trained
 * once; any length is accepted. Also the held-out split and the unigram baseline of the validation loss.
 */
package org.reformer4j.cli.data;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.cli.UserError;
import org.reformer4j.tokenizer.BertTokenizer;

public final class Sequences {
    private Sequences() {}

    /** Training and held-out sequences. */
    public record Split(List<long[]> train, List<long[]> validation) {}

    /** Encodes every document and cuts it into windows of at most {@code window} tokens (>= 2 each). */
    public static List<long[]> encode(BertTokenizer tok, List<String> documents, int window) {
        if (window < 2) throw new IllegalArgumentException("Sequences.encode: window " + window + " < 2");
        int[][] ids = tok.encodeBatch(documents);
        List<long[]> out = new ArrayList<>();
        for (int[] doc : ids) {
            for (int start = 0; start < doc.length - 1; start += window - 1) {
                int end = Math.min(doc.length, start + window);
                long[] s = new long[end - start];
                for (int i = start; i < end; i++) s[i - start] = doc[i];
                out.add(s);
                if (end == doc.length) break;
            }
        }
        return out;
    }

    /**
     * Holds out a fraction of the sequences (at least one when there are two or more), chosen by a
     * permutation keyed by the seed; both lists keep the corpus order.
     */
    public static Split split(List<long[]> seqs, double valFraction, long seed) {
        if (!(valFraction >= 0 && valFraction < 1)) throw new UserError("--val-fraction must be in [0, 1), got " + valFraction);
        if (seqs.isEmpty()) throw new UserError("the corpus gives no training sequence (each document needs at least one token)");
        int n = seqs.size();
        int nVal = valFraction == 0 || n < 2 ? 0 : Math.max(1, (int) Math.round(n * valFraction));
        boolean[] held = new boolean[n];
        int[] p = Shuffle.permutation(n, seed, Shuffle.SPLIT_STREAM, 0);
        for (int i = 0; i < nVal; i++) held[p[i]] = true;
        List<long[]> train = new ArrayList<>(n - nVal), val = new ArrayList<>(nVal);
        for (int i = 0; i < n; i++) (held[i] ? val : train).add(seqs.get(i));
        return new Split(train, val);
    }

    /** Number of next-token targets (sum of length - 1). */
    public static long targets(List<long[]> seqs) {
        long n = 0;
        for (long[] s : seqs) n += s.length - 1;
        return n;
    }

    /**
     * Cross entropy (nats per token) on {@code eval}'s targets of a unigram model fitted to {@code train}'s
     * targets with add-one smoothing over the vocabulary: what a model that ignores the context reaches.
     */
    public static double unigramLoss(List<long[]> train, List<long[]> eval, int vocabSize) {
        double[] count = new double[vocabSize];
        double total = vocabSize;
        for (long[] s : train) {
            for (int i = 1; i < s.length; i++) {
                count[(int) s[i]]++;
                total++;
            }
        }
        double nll = 0;
        long n = 0;
        for (long[] s : eval) {
            for (int i = 1; i < s.length; i++) {
                nll -= Math.log((count[(int) s[i]] + 1) / total);
                n++;
            }
        }
        return n == 0 ? Double.NaN : nll / n;
    }
}
