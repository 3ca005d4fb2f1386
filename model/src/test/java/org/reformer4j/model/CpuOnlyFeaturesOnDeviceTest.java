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
 * UnsupportedOperationException naming the gap, before anything runs there.
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
    void aDeviceModelRefusesAttentionRecording() {
        ReformerLM m = ReformerLM.builder().numTokens(10).dim(8).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(1).maxSeqLen(8)
                .causal(true).build().to(ReformerGoldenOnDeviceTest.CUDA);
        Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
        var e = assertThrows(UnsupportedOperationException.class, () -> m.forward(ids, null, new Recorder().withAttention()));
        assertTrue(e.getMessage().contains("CPU only"), e.getMessage());
    }
}
