package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * Refused input names the value and the limit: token ids outside [0, numTokens), sequences longer than
 * maxSeqLen, lengths the LSH chunking cannot take, bad options, and checkpoints whose names or shapes do
 * not fit; and a saved checkpoint folder round-trips.
 */
class BadInputTest {
    private static ReformerLM small() {
        return ReformerLM.builder().numTokens(20).dim(8).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(2).maxSeqLen(16)
                .causal(true).build();
    }

    private static void messageHas(Throwable e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
    }

    @Test
    void idsOutOfRange() {
        ReformerLM m = small();
        var e = assertThrows(IndexOutOfBoundsException.class, () -> m.forward(Tensor.of(new long[] {1, 20, 3, 4, 5, 6, 7, 8}, 1, 8), null));
        messageHas(e, "20", "numTokens = 20");
        var w = new TrainingWrapper(m, 0, 0);
        var e2 = assertThrows(IndexOutOfBoundsException.class, () -> w.loss(List.of(new long[] {1, -1, 2})));
        messageHas(e2, "-1");
    }

    @Test
    void sequenceTooLong() {
        var w = new TrainingWrapper(small(), 0, 0);
        long[] s = new long[18];
        var e = assertThrows(IllegalArgumentException.class, () -> w.loss(List.of(s)));
        messageHas(e, "17", "maxSeqLen 16");
    }

    @Test
    void lengthTheBucketsCannotTake() {
        ReformerLM m = small();
        var e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.of(new long[12], 1, 12), null));
        messageHas(e, "12", "2 x bucket size = 8");
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> new org.reformer4j.model.attention.LshAttention(4, 2, false, true, true).buckets(20));
        messageHas(e2, "20", "8");
    }

    @Test
    void badOptions() {
        messageHas(assertThrows(IllegalArgumentException.class, () -> ReformerLM.builder().numTokens(5).dim(8).depth(1).maxSeqLen(8)
                .heads(2).nLocalAttnHeads(2).build()), "nLocalAttnHeads 2", "heads = 2");
        messageHas(assertThrows(IllegalArgumentException.class, () -> ReformerLM.builder().numTokens(5).dim(8).depth(2).maxSeqLen(8)
                .pkmLayers(3).build()), "pkmLayers", "3");
        messageHas(assertThrows(IllegalArgumentException.class, () -> ReformerLM.builder().numTokens(0).dim(8).depth(1).maxSeqLen(8)
                .build()), "numTokens", "0");
    }

    @Test
    void checkpointMismatch(@TempDir Path dir) throws Exception {
        ReformerLM m = small();
        Map<String, Tensor> state = new LinkedHashMap<>(m.stateDict());
        Map<String, Tensor> bad = new LinkedHashMap<>(state);
        bad.put("token_emb.weight", Tensor.zeros(21, 8));
        messageHas(assertThrows(IllegalArgumentException.class, () -> Checkpoints.loadStateDict(m, bad)),
                "token_emb.weight", "[21, 8]", "[20, 8]");
        Map<String, Tensor> renamed = new LinkedHashMap<>(state);
        renamed.put("norm.gamma", renamed.remove("norm.weight"));
        messageHas(assertThrows(IllegalArgumentException.class, () -> Checkpoints.loadStateDict(m, renamed)),
                "missing: [norm.weight]", "unexpected: [norm.gamma]");
        // the aliases (irrev_blocks.*) may be absent
        Map<String, Tensor> canonical = new LinkedHashMap<>(state);
        canonical.keySet().removeIf(k -> k.contains("irrev_blocks"));
        Checkpoints.loadStateDict(m, canonical);
        // save and load a folder: same config, same logits
        Checkpoints.save(m, dir);
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        ReformerLM back = Checkpoints.load(dir);
        m.eval();
        back.eval();
        try (var ng = GradMode.noGrad()) {
            Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
            m.setRotationSource((l, s, dt) -> Tensor.randn(s, 1, l, 0, dt, org.reformer4j.core.Device.CPU));
            back.setRotationSource((l, s, dt) -> Tensor.randn(s, 1, l, 0, dt, org.reformer4j.core.Device.CPU));
            assertArrayEquals(m.forward(ids, null).toFloatArray(), back.forward(ids, null).toFloatArray());
        }
    }
}
