package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * The LSH decode cache of a model on cuda:0 (the emulator in CI; surefire's on-emulated-device execution): the
 * heads' states stay on the host, the projections run on the device. Stepping through a sequence gives, at every
 * position, the logits of one uncached device forward over the whole sequence (depth 2, L = 2 x bucketSize, one
 * round: every window holds the whole causal prefix, where the cache is exact at every layer) and the CPU model's
 * cached logits (memory slots, local heads beside LSH heads,
 * several rounds); a prefill on the device gives the CPU prefill's logits and the uncached first step's, and
 * generation with the cache draws the CPU's tokens.
 */
class LshDecodeOnDeviceTest {
    static final Device CUDA = ReformerGoldenOnDeviceTest.CUDA;
    private static final RotationSource FIXED = (layer, shape, dtype) ->
            Tensor.randn(shape, 7000 + 97L * layer + shape[0] * 13L + shape[3], 5, 0, dtype, Device.CPU);

    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    private static ReformerLM model(int hashes, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {
        ReformerLM m = more.apply(ReformerLM.builder().numTokens(23).dim(16).depth(2).heads(2).dimHead(8).bucketSize(8).maxSeqLen(16)
                .nHashes(hashes).causal(true).fullAttnThres(0).seed(11)).build();
        m.setRotationSource(FIXED);
        m.eval();
        return m;
    }

    private static final long[][] IDS = {{3, 7, 1, 22, 9, 9, 4, 15, 6, 2, 18, 11, 5, 20, 8, 13}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

    /** Cached logits [B][T][V] of stepping through ids from an empty cache (on the model's device). */
    private static double[][][] cached(ReformerLM m, int t) {
        int b = IDS.length, v = m.config().numTokens;
        double[][][] out = new double[b][t][v];
        DecodeCache cache = m.newDecodeCache();
        for (int p = 0; p < t; p++) {
            long[] col = new long[b];
            for (int i = 0; i < b; i++) col[i] = IDS[i][p];
            Tensor logits = m.step(Tensor.of(col, b, 1).to(m.device()), cache);
            assertEquals(m.device(), logits.device(), "logits stay on the model's device");
            double[] row = logits.toDoubleArray();
            for (int i = 0; i < b; i++) System.arraycopy(row, i * v, out[i][p], 0, v);
        }
        return out;
    }

    /** ids[:, :t] as a [B, t] tensor on {@code device}. */
    private static Tensor prefix(int t, Device device) {
        int b = IDS.length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(IDS[i], 0, flat, i * t, t);
        return Tensor.of(flat, b, t).to(device);
    }

    /** Uncached logits [B][t][V] of one forward over ids[:, :t] (t a multiple of 2 x bucketSize: no padding). */
    private static double[][][] uncached(ReformerLM m, int t) {
        int b = IDS.length, v = m.config().numTokens;
        double[] all = m.forward(prefix(t, m.device()), null, null).toDoubleArray();
        double[][][] out = new double[b][t][v];
        for (int i = 0; i < b; i++) for (int p = 0; p < t; p++) System.arraycopy(all, (i * t + p) * v, out[i][p], 0, v);
        return out;
    }

    /** Uncached logits of the last position of ids[:, :t] through the Autopadder, as generation runs them. */
    private static double[][] uncachedLast(ReformerLM m, int t) {
        int b = IDS.length, v = m.config().numTokens;
        double[] all = new Autopadder(m).forward(prefix(t, m.device()), null, null).toDoubleArray();
        double[][] out = new double[b][v];
        for (int i = 0; i < b; i++) System.arraycopy(all, (i * t + t - 1) * v, out[i], 0, v);
        return out;
    }

    @Test
    void stepsEqualTheUncachedDeviceForwardAndTheCpuCache() {
        record Case(String name, int hashes, UnaryOperator<ReformerConfig.Builder<ReformerLM>> more) {}
        for (Case c : List.of(new Case("1 round", 1, b -> b), new Case("1 round, 3 memory slots", 1, b -> b.numMemKv(3)),
                new Case("1 round, 1 of 3 heads local", 1, b -> b.heads(3).nLocalAttnHeads(1)))) {
            ReformerLM cpu = model(c.hashes(), c.more()), dev = model(c.hashes(), c.more()).to(CUDA);
            double[][][] onCpu = cached(cpu, 16), onDev = cached(dev, 16);
            boolean slots = cpu.config().numMemKv > 0; // 16 + slots is no multiple of 2 bs: no unpadded forward to compare with
            double[][][] un = slots ? null : uncached(dev, 16), unCpu = slots ? null : uncached(cpu, 16);
            for (int p = 0; p < 16; p++) {
                for (int i = 0; i < IDS.length; i++) {
                    assertArrayEquals(onCpu[i][p], onDev[i][p], 2e-5, c.name() + ": device cache vs CPU cache, row " + i + ", position " + p);
                    if (slots) continue;
                    assertArrayEquals(unCpu[i][p], un[i][p], 2e-5, c.name() + ": uncached device vs CPU forward, row " + i + ", position " + p);
                    // cached vs uncached: float32 holds the self score -5e4 to 0.004, which moves a lone self weight by
                    // up to 0.4% in the forward (the cache adds in float64); exact in float64 (LshDecodeCacheTest)
                    assertArrayEquals(un[i][p], onDev[i][p], p == 0 ? 2e-3 : 1e-4, c.name() + ": device cache vs uncached, row " + i + ", position " + p);
                }
            }
        }
        // several rounds: the window rule beyond whole-prefix windows still gives the CPU cache's numbers
        ReformerLM cpu = model(3, b -> b.numMemKv(2)), dev = model(3, b -> b.numMemKv(2)).to(CUDA);
        double[][][] onCpu = cached(cpu, 16), onDev = cached(dev, 16);
        for (int i = 0; i < IDS.length; i++) {
            for (int p = 0; p < 16; p++) assertArrayEquals(onCpu[i][p], onDev[i][p], 2e-5, "3 rounds: row " + i + ", position " + p);
        }
    }

    @Test
    void prefillAndGenerationOnTheDevice() {
        ReformerLM cpu = model(2, b -> b), dev = model(2, b -> b).to(CUDA);
        DecodeCache cc = cpu.newDecodeCache(), cd = dev.newDecodeCache();
        double[] pc = cpu.prefill(prefix(10, Device.CPU), cc).toDoubleArray();
        double[] pd = dev.prefill(prefix(10, CUDA), cd).toDoubleArray();
        assertArrayEquals(pc, pd, 2e-5, "prefill logits, device vs CPU");
        double[][] un = uncachedLast(dev, 10);
        int v = dev.config().numTokens;
        for (int i = 0; i < 2; i++) {
            double[] row = new double[v];
            System.arraycopy(pd, i * v, row, 0, v);
            assertArrayEquals(un[i], row, 2e-5, "prefill logits vs the uncached first step, row " + i);
        }
        for (int p = 10; p < 14; p++) { // steps after the prefill
            long[] col = {IDS[0][p], IDS[1][p]};
            assertArrayEquals(cpu.step(Tensor.of(col, 2, 1), cc).toDoubleArray(), dev.step(Tensor.of(col, 2, 1).to(CUDA), cd).toDoubleArray(),
                    2e-5, "step " + p + " after the prefill");
        }
        assertTrue(dev.supportsDecodeCache(), "an LSH model on a device decodes with a cache");
        long[][] start = {{3, 7, 1, 22}, {1, 2, 3, 4}};
        long[][] a = new TrainingWrapper(cpu, 0, 0).generate(start, 8, Sampling.topK(0.9).seed(4));
        long[][] b = new TrainingWrapper(dev, 0, 0).generate(start, 8, Sampling.topK(0.9).seed(4));
        for (int i = 0; i < 2; i++) assertArrayEquals(a[i], b[i], "generated tokens, row " + i);
    }
}
