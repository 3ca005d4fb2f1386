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

    /** Loss of given inputs and targets [B, t] (already shifted). */
    public Output forward(Tensor xi, Tensor xo, Recorder recorder) {
        Tensor logits = net.forward(xi, null, recorder);
        Tensor loss = Functional.crossEntropy(logits, xo.to(DType.I64), ignoreIndex);
        return new Output(loss, logits);
    }
}
