package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;

/**
 * Language-model training and sampling around a {@link ReformerLM} (reformer-pytorch
 * {@code TrainingWrapper}, GEN:29-95): an {@link Autopadder}; the loss of a list of variable-length
 * sequences (inputs {@code s[:-1]}, targets {@code s[1:]}, both right-padded with {@code padValue} and fed
 * as ordinary tokens; cross entropy skips targets equal to {@code ignoreIndex}); and generation (see
 * {@link Generation}).
 */
public final class TrainingWrapper {
    private final ReformerLM model;
    private final Autopadder net;
    private final long ignoreIndex, padValue;

    public TrainingWrapper(ReformerLM model, long ignoreIndex, long padValue) {
        this.model = model;
        this.net = new Autopadder(model);
        this.ignoreIndex = ignoreIndex;
        this.padValue = padValue;
    }

    public ReformerLM model() {
        return model;
    }

    public Autopadder autopadder() {
        return net;
    }

    public long ignoreIndex() {
        return ignoreIndex;
    }

    public long padValue() {
        return padValue;
    }

    /** The loss and the logits [B, t, V] it was computed from. */
    public record Output(Tensor loss, Tensor logits) {}

    /** Mean next-token cross entropy over the sequences (each of length >= 2). */
    public Tensor loss(List<long[]> sequences) {
        return forward(sequences, null).loss();
    }

    /** {@link #loss(List)} for token ids as a tokenizer gives them: {@code wrapper.loss(tok.encode(a), tok.encode(b))}. */
    public Tensor loss(int[]... sequences) {
        List<long[]> longs = new java.util.ArrayList<>(sequences.length);
        for (int[] s : sequences) longs.add(java.util.Arrays.stream(s).asLongStream().toArray());
        return loss(longs);
    }

    /** {@link #generate(long[], int, Sampling)} for int ids (what {@code BertTokenizer.encode} and {@code decode} use). */
    public int[] generate(int[] start, int length, Sampling sampling) {
        long[] out = generate(java.util.Arrays.stream(start).asLongStream().toArray(), length, sampling);
        int[] ids = new int[out.length];
        for (int i = 0; i < out.length; i++) ids[i] = Math.toIntExact(out[i]);
        return ids;
    }

    public Output forward(List<long[]> sequences, Recorder recorder) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("TrainingWrapper.loss: no sequences");
        int b = sequences.size(), t = 0;
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            if (s.length < 2) {
                throw new IllegalArgumentException("TrainingWrapper.loss: sequence " + i + " has " + s.length
                        + " tokens; at least 2 are needed (input and next-token target)");
            }
            t = Math.max(t, s.length - 1);
        }
        long[] xi = new long[b * t], xo = new long[b * t];
        java.util.Arrays.fill(xi, padValue);
        java.util.Arrays.fill(xo, padValue);
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            System.arraycopy(s, 0, xi, i * t, s.length - 1);
            System.arraycopy(s, 1, xo, i * t, s.length - 1);
        }
        return forward(Tensor.of(xi, b, t), Tensor.of(xo, b, t), recorder);
    }

    /** {@link #generate(long[][], int, Sampling)} for one prompt. */
    public long[] generate(long[] start, int length, Sampling sampling) {
        return generate(new long[][] {start}, length, sampling)[0];
    }

    /**
     * Continues each prompt (all of the same length) by up to {@code length} tokens; returns only the new
     * tokens (fewer when every row emitted eos). Runs in eval mode without gradients. Without a cache each
     * step re-runs the model on the last {@code maxSeqLen} tokens (reformer-pytorch GEN:38-75); with
     * {@link Sampling#useCache()} and a model that {@link ReformerLM#supportsDecodeCache supports it}, each
     * step costs one position, until the sequence outgrows {@code maxSeqLen} (then it re-runs the window); a
     * prompt of several tokens fills an LSH cache by {@link ReformerLM#prefill} (one forward, whose last logits
     * are the uncached first step's), other caches by one step per prompt token.
     */
    public long[][] generate(long[][] starts, int length, Sampling sampling) {
        return generate(starts, length, sampling, null, null);
    }

    /**
     * {@link #generate(long[][], int, Sampling)} for a model attending to {@code keys} [B, C, dim] (one row per
     * prompt) kept where {@code contextMask} [B, C] is true (null: all). With {@link Sampling#useCache()} and a model
     * that {@link ReformerLM#supportsDecodeCache(Tensor) supports it} the steps run on a decode cache bound to these
     * keys ({@link ReformerLM#newDecodeCache(Tensor, Tensor)}: each layer projects them once; a full-attention model,
     * maxSeqLen + numMemKv + C <= fullAttnThres, gives the uncached logits; an LSH one follows {@link DecodeCache}'s
     * rules, with the keys as memory slots) until the sequence outgrows maxSeqLen; otherwise, and then, every step
     * re-runs the window with the keys.
     */
    public long[][] generate(long[][] starts, int length, Sampling sampling, Tensor keys, Tensor contextMask) {
        int b = starts.length;
        if (keys != null && (keys.rank() != 3 || keys.size(0) != b)) {
            throw new IllegalArgumentException("generate: keys must be [B = " + b + " prompts, C, dim], got "
                    + org.reformer4j.core.Shape.str(keys.shape()));
        }
        if (keys == null && contextMask != null) throw new IllegalArgumentException("generate: a context mask was given without keys");
        if (b == 0 || starts[0].length == 0) throw new IllegalArgumentException("generate: need at least one non-empty prompt");
        int t0 = starts[0].length;
        for (long[] s : starts) {
            if (s.length != t0) throw new IllegalArgumentException("generate: prompts must share one length, got " + s.length + " and " + t0);
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        var rng = new org.reformer4j.core.random.Generator(sampling.seed(), 2);
        long[][] seq = new long[b][t0 + length];
        for (int i = 0; i < b; i++) System.arraycopy(starts[i], 0, seq[i], 0, t0);
        int cur = t0, made = 0;
        boolean[] done = new boolean[b];
        try (var ng = org.reformer4j.core.GradMode.noGrad()) {
            DecodeCache cache = sampling.useCache() && model.supportsDecodeCache(keys) && t0 <= model.config().maxSeqLen
                    ? model.newDecodeCache(keys, contextMask) : null;
            double[][] logits = null; // null after a flat step: its float32 logits are in rows
            float[][] rows = cache != null && cache.isFlat() ? new float[b][model.config().numTokens] : null;
            if (cache != null && cache.lshLayers() && t0 > 1) {
                long[] prompt = new long[b * t0];
                for (int i = 0; i < b; i++) System.arraycopy(starts[i], 0, prompt, i * t0, t0);
                logits = lastRow(model.prefill(Tensor.of(prompt, b, t0), cache)); // one forward over the prompt
            } else if (cache != null) {
                for (int p = 0; p < t0; p++) logits = next(seq, p, cache, rows);
            }
            for (int step = 0; step < length; step++) {
                if (cache == null) logits = lastRow(windowLogits(seq, cur, keys, contextMask));
                double[] u = new double[b];
                rng.uniform(u);
                boolean all = true;
                for (int i = 0; i < b; i++) {
                    long tok = done[i] ? sampling.eos() : logits != null ? sampling.draw(logits[i], u[i]) : sampling.draw(rows[i], u[i]);
                    seq[i][cur] = tok;
                    done[i] |= sampling.eos() >= 0 && tok == sampling.eos();
                    all &= done[i];
                }
                cur++;
                made++;
                if (all) break;
                if (cache != null && step + 1 < length) {
                    if (cur > model.config().maxSeqLen) cache = null;
                    else logits = next(seq, cur - 1, cache, rows);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        long[][] out = new long[b][made];
        for (int i = 0; i < b; i++) System.arraycopy(seq[i], t0, out[i], 0, made);
        return out;
    }

    /** Logits [B, t, V] of the last maxSeqLen tokens of seq[:, :cur]. */
    private Tensor windowLogits(long[][] seq, int cur, Tensor keys, Tensor contextMask) {
        int b = seq.length, from = Math.max(0, cur - model.config().maxSeqLen), t = cur - from;
        long[] x = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(seq[i], from, x, i * t, t);
        return net.forward(Tensor.of(x, b, t), null, keys, contextMask, null);
    }

    /** Logits [B][V] of position p after a cached step; null after a flat step, which leaves them in {@code rows}. */
    private double[][] next(long[][] seq, int p, DecodeCache cache, float[][] rows) {
        long[] ids = column(seq, p);
        if (!cache.isFlat()) return lastRow(model.step(Tensor.of(ids, ids.length, 1), cache));
        model.stepInto(ids, cache, rows);
        return null;
    }

    private static long[] column(long[][] seq, int p) {
        long[] c = new long[seq.length];
        for (int i = 0; i < c.length; i++) c[i] = seq[i][p];
        return c;
    }

    private static double[][] lastRow(Tensor logits) {
        int b = logits.size(0), t = logits.size(1), v = logits.size(2);
        double[] all = logits.narrow(1, t - 1, 1).toDoubleArray();
        double[][] rows = new double[b][v];
        for (int i = 0; i < b; i++) System.arraycopy(all, i * v, rows[i], 0, v);
        return rows;
    }

    /** Loss of given inputs and targets [B, t] (already shifted). */
    public Output forward(Tensor xi, Tensor xo, Recorder recorder) {
        return forward(xi, xo, null, null, recorder);
    }

    /**
     * Loss of inputs and targets [B, t] (already shifted) for a model attending to {@code keys} [B, C, dim]
     * kept where {@code contextMask} [B, C] is true (null: all); keys null is the plain loss.
     */
    public Output forward(Tensor xi, Tensor xo, Tensor keys, Tensor contextMask, Recorder recorder) {
        Tensor logits = net.forward(xi, null, keys, contextMask, recorder);
        Tensor loss = Functional.crossEntropy(logits, xo.to(DType.I64).to(logits.device()), ignoreIndex);
        return new Output(loss, logits);
    }
}
