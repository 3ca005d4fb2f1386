package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * A decode cache with encoder keys is a CPU feature for now: a model on the device (the emulator in CI: this class
 * runs in surefire's on-emulated-device execution) refuses it with an IllegalStateException naming the gap, and
 * generation falls back to the uncached pass, which runs the keys on the device.
 */
class CpuOnlyFeaturesOnDeviceTest {
    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
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
            // generation falls back to the uncached pass, which runs the keys on the device
            var w = new TrainingWrapper(m, 0, 0);
            assertEquals(3, w.generate(new long[][] {{1, 2}}, 3, Sampling.topK(0.9), keys, null)[0].length, "fullAttnThres " + thres);
        }
    }
}
