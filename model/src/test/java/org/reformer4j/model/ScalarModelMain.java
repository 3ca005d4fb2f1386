package org.reformer4j.model;

import java.util.List;
import java.util.Locale;
import org.reformer4j.core.Tensor;

/**
 * A training step's loss and a cached generation of a small causal ReformerLM with LSH attention (fullAttnThres 0) and
 * with full attention (256), dropout on: run by {@link ScalarModelTest} in a JVM without the Vector API and in its own.
 * Prints one {@code RESULT <fullAttnThres> <loss> <tokens>} line per model.
 */
public final class ScalarModelMain {
    private ScalarModelMain() {}

    static String run(int fullAttnThres) {
        var model = ReformerLM.builder().numTokens(3000).dim(64).depth(2).heads(2).maxSeqLen(256).bucketSize(16)
                .causal(true).fullAttnThres(fullAttnThres).lshDropout(0.1).build();
        var wrapper = new TrainingWrapper(model, 0, 0);
        long[] s = new long[200];
        for (int i = 0; i < s.length; i++) s[i] = 1 + (i * 7L) % 2999;
        Tensor loss = wrapper.loss(List.of(s));
        loss.backward();
        int[] out = wrapper.generate(new int[] {101}, 12, Sampling.topK(0.9));
        return String.format(Locale.ROOT, "RESULT %d %.9g %s", fullAttnThres, loss.item(), java.util.Arrays.toString(out).replace(" ", ""));
    }

    public static void main(String[] args) {
        for (int thres : new int[] {0, 256}) System.out.println(run(thres));
    }
}
