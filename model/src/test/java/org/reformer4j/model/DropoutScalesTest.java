package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * The LSH attention's dropout multipliers draw as {@link Functional#dropout} does for the scores' dtype: the same kept
 * elements as a dropout of a tensor of ones from the same Philox counter (float32: four uniforms per block, float64:
 * two), the multiplier 1/(1-p) in float64, the replay repeating the draw, and none outside training.
 */
class DropoutScalesTest {
    private static ForwardState state(boolean training) {
        return new ForwardState(1, null, null, null, new Generator(9, 3), training, 2, null);
    }

    @Test
    void scalesKeepWhatFunctionalDropoutKeeps() {
        int n = 1000 + 37;
        double p = 0.3;
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            ForwardState s = state(true);
            ForwardState.Replay replay = s.replay(0, 0);
            long counter = new Generator(9, 3).counter(); // where a fresh generator draws first
            double[] scales = s.dropoutScales(n, p, dt, replay);
            double[] ref = Functional.dropout(Tensor.full(new int[] {n}, 1, dt, Device.CPU), p, 9, 3, counter).toDoubleArray();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(ref[i] != 0, scales[i] != 0, dt + " keep at " + i);
                if (scales[i] != 0) {
                    assertEquals(1 / (1 - p), scales[i], 0.0, dt + " multiplier");
                    kept++;
                }
            }
            assertTrue(Math.abs(kept - n * (1 - p)) < 5 * Math.sqrt(n * p * (1 - p)), dt + ": kept " + kept + " of " + n);
            replay.startReplay();
            assertArrayEquals(scales, s.dropoutScales(n, p, dt, replay), 0.0, dt + ": the replay draws the same");
        }
        assertNull(state(false).dropoutScales(n, p, DType.F32, state(false).replay(0, 0)), "eval: no dropout");
    }
}
