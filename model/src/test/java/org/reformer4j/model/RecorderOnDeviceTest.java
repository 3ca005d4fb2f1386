package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * A {@link Recorder} with attention on a model on cuda:0 (the emulator in CI; surefire's on-emulated-device
 * execution) records what the same model records on the CPU: every layer's buckets exactly and its attention
 * weights [B, lshHeads, T, L] within float32 rounding, for LSH layers (rotary positions, input mask from the
 * device, memory slots, local heads beside LSH heads) and full attention, depth 2.
 */
class RecorderOnDeviceTest {
    static final Device CUDA = ReformerGoldenOnDeviceTest.CUDA;

    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    private static ReformerLM model(int fullAttnThres, int memKv, int localHeads) {
        ReformerLM m = ReformerLM.builder().numTokens(12).dim(16).depth(2).heads(3).dimHead(8).bucketSize(4).nHashes(2).maxSeqLen(16)
                .causal(true).fullAttnThres(fullAttnThres).numMemKv(memKv).nLocalAttnHeads(localHeads).seed(9).build();
        m.setRotationSource(KeysAttentionTest.fixedRotations());
        return m;
    }

    @Test
    void recordsTheCpusBucketsAndWeights() {
        Tensor ids = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 2, 16);
        boolean[] keep = new boolean[32];
        java.util.Arrays.fill(keep, true);
        keep[5] = keep[20] = keep[30] = false;
        Tensor mask = Tensor.of(keep, 2, 16);
        for (int[] c : new int[][] {{0, 0, 0}, {0, 8, 0}, {0, 0, 1}, {64, 0, 0}}) {
            String what = "fullAttnThres " + c[0] + ", numMemKv " + c[1] + ", local heads " + c[2];
            ReformerLM cpu = model(c[0], c[1], c[2]), dev = model(c[0], c[1], c[2]).to(CUDA);
            cpu.eval();
            dev.eval();
            Recorder rc = new Recorder().withAttention(), rd = new Recorder().withAttention();
            cpu.forward(ids, mask, rc);
            dev.forward(ids.to(CUDA), mask.to(CUDA), rd); // the input mask on the device: the host copy is made for recording
            List<Recorder.Entry> bc = rc.entries(), bd = rd.entries();
            assertEquals(bc.size(), bd.size(), what + ": bucket entries");
            for (int i = 0; i < bc.size(); i++) {
                for (int r = 0; r < bc.get(i).buckets().length; r++) {
                    assertArrayEquals(bc.get(i).buckets()[r], bd.get(i).buckets()[r], what + ": buckets of call " + i + " row " + r);
                }
            }
            List<Recorder.AttentionEntry> wc = rc.attentionEntries(), wd = rd.attentionEntries();
            assertEquals(2, wc.size(), what + ": one weights entry per layer");
            assertEquals(wc.size(), wd.size(), what + ": weight entries");
            for (int i = 0; i < wc.size(); i++) {
                float[][][][] a = wc.get(i).weights(), b = wd.get(i).weights();
                assertEquals(a.length, b.length);
                for (int n = 0; n < a.length; n++) {
                    for (int h = 0; h < a[n].length; h++) {
                        for (int q = 0; q < a[n][h].length; q++) {
                            assertArrayEquals(a[n][h][q], b[n][h][q], 2e-5f, what + ": weights of layer " + i + " [" + n + "," + h + "," + q + "]");
                        }
                    }
                }
                assertTrue(a[0][0][0].length >= 16 + c[1], what + ": keys include the memory slots");
            }
        }
    }
}
