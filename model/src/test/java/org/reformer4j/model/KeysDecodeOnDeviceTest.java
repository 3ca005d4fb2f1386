package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.kernels.backend.CudaBackend;

/**
 * A decoder attending to encoder keys decodes with a cache on cuda:0 too (the emulator in CI; surefire's
 * on-emulated-device execution): with full attention (tensor steps on the device) and with LSH layers (host
 * states), with a source mask, {@code ReformerEncDec.generate} on the device draws the CPU's tokens, whose cached
 * generation KeysDecodeCacheTest checks against the uncached pass; the cache's logits stay on the device, and a
 * full-attention step copies one small mask there (its self position), shared by the layers.
 */
class KeysDecodeOnDeviceTest {
    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    @Test
    void aDeviceDecoderWithKeysDecodesWithTheCache() {
        Tensor src = EncDecOnDeviceTest.SRC, srcMask = EncDecOnDeviceTest.SRC_MASK;
        // fullAttnThres 64: 16 + 8 keys <= 64, full attention at every length; 0: LSH
        for (int thres : new int[] {64, 0}) {
            ReformerEncDec cpu = EncDecOnDeviceTest.model(thres, 0), dev = EncDecOnDeviceTest.model(thres, 0).to(ReformerGoldenOnDeviceTest.CUDA);
            Tensor keys = dev.encode(src.to(ReformerGoldenOnDeviceTest.CUDA), srcMask.to(ReformerGoldenOnDeviceTest.CUDA));
            assertTrue(dev.decoder().supportsDecodeCache(keys), "fullAttnThres " + thres);
            DecodeCache cache = dev.decoder().newDecodeCache(keys, srcMask);
            Tensor logits = dev.decoder().step(Tensor.of(new long[] {1, 2}, 2, 1).to(ReformerGoldenOnDeviceTest.CUDA), cache);
            assertTrue(!logits.device().isCpu(), "the step's logits stay on the device");
            if (thres > 0) { // full attention steps on the device: one small copy there per token (the self mask), not one per layer
                CudaRuntime rt = ((CudaBackend) Backends.of(ReformerGoldenOnDeviceTest.CUDA)).runtime();
                Tensor ids = Tensor.of(new long[] {3, 4}, 2, 1).to(ReformerGoldenOnDeviceTest.CUDA);
                long before = rt.copiesToDevice();
                dev.decoder().step(ids, cache);
                assertEquals(1, rt.copiesToDevice() - before, "host-to-device copies of a full-attention step (2 layers, keys)");
            }
            long[][] start = {{1, 3}, {2, 4}};
            long[][] a = cpu.generate(src, srcMask, start, 6, Sampling.topK(0.9).seed(5));
            long[][] b = dev.generate(src.to(ReformerGoldenOnDeviceTest.CUDA), srcMask.to(ReformerGoldenOnDeviceTest.CUDA), start, 6,
                    Sampling.topK(0.9).seed(5));
            for (int i = 0; i < 2; i++) assertArrayEquals(a[i], b[i], "fullAttnThres " + thres + ", row " + i);
        }
    }
}
