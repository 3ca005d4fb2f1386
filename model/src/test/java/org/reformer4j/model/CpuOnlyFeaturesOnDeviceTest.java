package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * Encoder keys and attention-weight recording are CPU features for now: a model on the device (the emulator in
 * CI: this class runs in surefire's on-emulated-device execution) refuses them with an
 * UnsupportedOperationException naming the gap, before anything runs there (a decode cache with keys: an
 * IllegalStateException, and generation falls back to the uncached pass, which refuses them).
 */
class CpuOnlyFeaturesOnDeviceTest {
    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    @Test
    void aDeviceModelRefusesKeys() {
        ReformerLM m = ReformerLM.builder().numTokens(10).dim(8).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(1).maxSeqLen(8)
                .causal(true).build().to(ReformerGoldenOnDeviceTest.CUDA);
        Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
        Tensor keys = Tensor.zeros(new int[] {1, 8, 8}, DType.F32, Device.CPU);
        var e = assertThrows(UnsupportedOperationException.class, () -> m.forward(ids, null, keys, null, null));
        assertTrue(e.getMessage().contains("CPU only") && e.getMessage().contains("keys"), e.getMessage());
    }

    @Test
    void aDeviceModelDecodesNoKeys() {
        // full attention (a cache a device model has without keys) and LSH layers: no decode cache with keys on a device
        for (int thres : new int[] {64, 0}) {
            ReformerLM m = ReformerLM.builder().numTokens(10).dim(8).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(1).maxSeqLen(8)
                    .fullAttnThres(thres).causal(true).build().to(ReformerGoldenOnDeviceTest.CUDA);
            Tensor keys = Tensor.zeros(new int[] {1, 8, 8}, DType.F32, Device.CPU);
            assertTrue(!m.supportsDecodeCache(keys), "fullAttnThres " + thres);
            var e = assertThrows(IllegalStateException.class, () -> m.newDecodeCache(keys, null));
            assertTrue(e.getMessage().contains("CPU only") && e.getMessage().contains("keys"), e.getMessage());
            // generation falls back to the uncached pass, which refuses keys on a device as before
            var w = new TrainingWrapper(m, 0, 0);
            var u = assertThrows(UnsupportedOperationException.class, () -> w.generate(new long[][] {{1, 2}}, 3, Sampling.topK(0.9), keys, null));
            assertTrue(u.getMessage().contains("CPU only") && u.getMessage().contains("keys"), u.getMessage());
        }
    }

    @Test
    void aDeviceModelRefusesAttentionRecording() {
        ReformerLM m = ReformerLM.builder().numTokens(10).dim(8).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(1).maxSeqLen(8)
                .causal(true).build().to(ReformerGoldenOnDeviceTest.CUDA);
        Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
        var e = assertThrows(UnsupportedOperationException.class, () -> m.forward(ids, null, new Recorder().withAttention()));
        assertTrue(e.getMessage().contains("CPU only"), e.getMessage());
    }
}
