package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.LshDropout;

/**
 * The LSH attention's dropout draws as {@link Functional#dropout} does for the scores' dtype: the same kept elements as
 * a dropout of a tensor of ones from the same Philox counter (float32: four uniforms per block, float64: two), the
 * multiplier 1/(1-p) in float64; any range of elements drawn alone equals the same range of the whole draw (the
 * attention draws chunk by chunk); the replay repeats the draw; none outside training.
 */
class DropoutScalesTest {
    private static ForwardState state(boolean training) {
        return new ForwardState(1, null, null, null, new Generator(9, 3), training, 2, null);
    }

    @Test
    void drawsKeepWhatFunctionalDropoutKeeps() {
        int n = 1000 + 37;
        double p = 0.3;
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            ForwardState s = state(true);
            ForwardState.Replay replay = s.replay(0, 0);
            long counter = new Generator(9, 3).counter(); // where a fresh generator draws first
            LshDropout d = s.lshDropout(n, p, dt, replay);
            double[] all = new double[n];
            d.fill(0, all, 0, n);
            double[] ref = Functional.dropout(Tensor.full(new int[] {n}, 1, dt, Device.CPU), p, 9, 3, counter).toDoubleArray();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(ref[i] != 0, all[i] != 0, dt + " keep at " + i);
                if (all[i] != 0) {
                    assertEquals(1 / (1 - p), all[i], 0.0, dt + " multiplier");
                    kept++;
                }
            }
            assertTrue(Math.abs(kept - n * (1 - p)) < 5 * Math.sqrt(n * p * (1 - p)), dt + ": kept " + kept + " of " + n);
            for (int[] range : new int[][] {{0, 128}, {128, 256}, {3, 70}, {515, 522}, {1000, 37}}) {
                double[] part = new double[range[1] + 2];
                d.fill(range[0], part, 2, range[1]);
                for (int i = 0; i < range[1]; i++) assertEquals(all[range[0] + i], part[2 + i], 0.0, dt + " element " + (range[0] + i) + " drawn alone");
            }
            replay.startReplay();
            double[] again = new double[n];
            s.lshDropout(n, p, dt, replay).fill(0, again, 0, n);
            assertArrayEquals(all, again, 0.0, dt + ": the replay draws the same");
        }
        assertNull(state(false).lshDropout(n, p, DType.F32, state(false).replay(0, 0)), "eval: no dropout");
        assertThrows(IllegalArgumentException.class, () -> LshDropout.drawn(1, 2, 3, 1.0, DType.F32));
    }
}
