package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.tokenizer.BertTokenizer;

/**
 * The Java example of the README, compiled and run as written (with a smaller model so that it is
 * quick): tokenizer -> ReformerLM -> TrainingWrapper loss -> backward -> Adam -> generate -> decode.
 */
class ReadmeExampleTest {
    private static Path vocabDir() {
        Path shared = Path.of(System.getProperty("reformer4j.shared", "../shared"));
        return shared.resolve("data/vocab/bert-base-chinese");
    }

    @Test
    void readmeExampleRuns() throws IOException {
        Path dir = vocabDir();
        assumeTrue(Files.exists(dir.resolve("vocab.txt")), "no bert-base-chinese vocabulary at " + dir + " (../shared absent)");
        // --- README example (depth 2 instead of 12 to keep the test fast) ---
        var tok = BertTokenizer.fromPretrained(dir);
        var model = ReformerLM.builder().numTokens(tok.vocabSize()).dim(128).depth(2)
                .maxSeqLen(128).lshDropout(0.1).causal(true).fullAttnThres(128).build();
        var wrapper = new TrainingWrapper(model, /*ignoreIndex*/ 0, /*padValue*/ 0);
        var optimizer = new Adam(model.parameters(), 1e-3);
        Tensor loss = wrapper.loss(tok.encode("你好吗"), tok.encode("我还好"));
        loss.backward();
        optimizer.step();
        int[] sample = wrapper.generate(new int[] {101}, 20, Sampling.topK(0.9).temperature(1.0).eos(102));
        String text = tok.decode(sample);
        // --- end of example ---
        assertTrue(Double.isFinite(loss.item()) && loss.item() > 5, "an untrained model's loss is about ln(21128) = 10: " + loss.item());
        assertTrue(sample.length >= 1 && sample.length <= 20, "1 to 20 new tokens, got " + sample.length);
        for (int id : sample) assertTrue(id >= 0 && id < tok.vocabSize(), "id in the vocabulary: " + id);
        assertEquals(text, tok.decode(sample));
    }
}
