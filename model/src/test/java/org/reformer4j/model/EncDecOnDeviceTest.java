package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * An encoder-decoder on cuda:0 (the emulator in CI; surefire's on-emulated-device execution): the decoder's layers
 * append the encoder's keys to their key/value sequence on the device, under the source mask, and the loss and
 * every parameter gradient (the encoder's reach it only through the keys) equal the same model's on the CPU, with
 * full attention and with LSH attention in the decoder (t + memory slots + keys above fullAttnThres), with and
 * without memory slots. Generation on the device (uncached: the decode cache with keys is a CPU feature) draws the
 * CPU's tokens.
 */
class EncDecOnDeviceTest {
    static final Device CUDA = ReformerGoldenOnDeviceTest.CUDA;

    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    /** The small encoder-decoder of the on-device tests, with fixed rotations (also KeysDecodeOnDeviceTest's). */
    static ReformerEncDec model(int fullAttnThres, int memKv) {
        ReformerEncDec m = ReformerEncDec.builder(16)
                .encoder(b -> b.numTokens(9).depth(1).heads(2).dimHead(8).bucketSize(4).nHashes(2).maxSeqLen(16).seed(3))
                .decoder(b -> b.numTokens(9).depth(2).heads(2).dimHead(8).bucketSize(4).nHashes(2).maxSeqLen(16).seed(4)
                        .fullAttnThres(fullAttnThres).numMemKv(memKv))
                .build();
        m.encoder().setRotationSource(KeysAttentionTest.fixedRotations());
        m.decoder().setRotationSource(KeysAttentionTest.fixedRotations());
        return m;
    }

    static final Tensor SRC = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1}, 2, 8);
    private static final Tensor TGT = Tensor.of(new long[] {0, 3, 1, 4, 1, 5, 2, 6, 5, 0, 2, 7, 1, 8, 2, 1, 1, 1}, 2, 9);
    static final Tensor SRC_MASK = Tensor.of(new boolean[] {true, true, true, true, true, true, true, true, true, true, true,
            true, true, false, false, false}, 2, 8);

    @Test
    void lossAndGradientsEqualTheCpu() {
        // fullAttnThres 64: the decoder's 8 + m + 8 positions run full attention; 0: LSH
        for (int thres : new int[] {64, 0}) {
            for (int mem : new int[] {0, 4}) {
                String what = "fullAttnThres " + thres + ", numMemKv " + mem;
                ReformerEncDec cpu = model(thres, mem), dev = model(thres, mem).to(CUDA);
                Tensor lc = cpu.loss(SRC, TGT, SRC_MASK);
                lc.backward();
                Tensor ld = dev.loss(SRC.to(CUDA), TGT.to(CUDA), SRC_MASK.to(CUDA));
                assertEquals(CUDA, ld.device(), what);
                ld.backward();
                assertEquals(lc.item(), ld.item(), 2e-6 * Math.max(1, Math.abs(lc.item())), what + ": loss");
                Map<String, Parameter> pc = cpu.namedParameters(), pd = dev.namedParameters();
                int encoderGrads = 0;
                for (var e : pc.entrySet()) {
                    Parameter q = pd.get(e.getKey());
                    if (e.getValue().grad() == null) continue;
                    assertTrue(q.grad() != null, what + ": " + e.getKey() + " has no gradient on the device");
                    double[] g = e.getValue().grad().toDoubleArray(), h = q.grad().toDoubleArray();
                    double scale = 0;
                    for (double x : g) scale = Math.max(scale, Math.abs(x));
                    assertArrayEquals(g, h, 1e-5 * Math.max(1, scale), what + ": gradient of " + e.getKey());
                    if (e.getKey().startsWith("enc.")) encoderGrads++;
                }
                assertTrue(encoderGrads > 0, what + ": no encoder gradient compared");
            }
        }
    }

    @Test
    void generationDrawsTheCpuTokens() {
        for (int thres : new int[] {64, 0}) {
            ReformerEncDec cpu = model(thres, 0), dev = model(thres, 0).to(CUDA);
            long[][] start = {{1}, {2}};
            long[][] a = cpu.generate(SRC, SRC_MASK, start, 5, Sampling.topK(0.9).seed(11));
            long[][] b = dev.generate(SRC.to(CUDA), SRC_MASK.to(CUDA), start, 5, Sampling.topK(0.9).seed(11));
            for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], "fullAttnThres " + thres + ", row " + i);
        }
    }
}
