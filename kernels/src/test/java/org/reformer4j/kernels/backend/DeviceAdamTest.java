package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.core.optim.AdamW;
import org.reformer4j.core.optim.Optimizer;

/**
 * Adam and AdamW on device parameters run as adam.cu's multi-tensor launches (CudaBackend.adamSteps, 32 parameters
 * a launch) and give the CPU host loop's parameters bit for bit (both round every operation to float in torch's
 * order): plain Adam, L2 weight decay, AdamW, AMSGrad, several steps, a size that is not a multiple of the block;
 * parameters whose step counts differ step in one launch per count; and a lone parameter takes adam_v1.
 */
class DeviceAdamTest {
    @Test
    void fusedStepEqualsTheHostLoopBitForBit() {
        Device cuda = Cases.cuda();
        Random r = new Random(23);
        for (int variant = 0; variant < 4; variant++) {
            Tensor w1 = Cases.random(r, DType.F32, 37, 29), w2 = Cases.random(r, DType.F32, 1000);
            List<Parameter> cpu = List.of(new Parameter(w1), new Parameter(w2));
            List<Parameter> dev = List.of(new Parameter(w1.to(cuda)), new Parameter(w2.to(cuda)));
            Optimizer a = optimizer(variant, cpu), b = optimizer(variant, dev);
            for (int step = 0; step < 4; step++) {
                assertEquals(1, stepBoth(r, cpu, dev, a, b, i -> false), "variant " + variant + ": both parameters in one multi-tensor launch");
                assertSameParameters(cpu, dev, "variant " + variant + " step " + step);
            }
        }
    }

    /**
     * 75 parameters (three launches of up to 32), a few without a gradient in some steps so that their step counts
     * fall behind (each count its own launches), against the host loop bit for bit.
     */
    @Test
    void manyParametersAndUnevenStepCounts() {
        Device cuda = Cases.cuda();
        Random r = new Random(24);
        int count = 75;
        List<Parameter> cpu = new java.util.ArrayList<>(), dev = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Tensor w = Cases.random(r, DType.F32, 1 + r.nextInt(40), 1 + r.nextInt(9));
            cpu.add(new Parameter(w));
            dev.add(new Parameter(w.to(cuda)));
        }
        Optimizer a = new AdamW(cpu, 3e-3), b = new AdamW(dev, 3e-3);
        for (int step = 0; step < 4; step++) {
            int at = step;
            // 8 parameters miss step 2: from step 3 they are one step behind
            long launches = stepBoth(r, cpu, dev, a, b, i -> at == 2 && i % 10 == 0);
            // step 2: 67 parameters (3 launches); step 3: 67 at count 4 (3) and 8 at count 3 (1)
            assertEquals(step == 3 ? 4 : 3, launches, "step " + step);
            assertSameParameters(cpu, dev, "step " + step);
        }
    }

    /** A lone device parameter steps in one launch (the single-tensor kernel) and equals the host loop. */
    @Test
    void aSingleParameterTakesTheSingleKernel() {
        Device cuda = Cases.cuda();
        Random r = new Random(25);
        Tensor w = Cases.random(r, DType.F32, 5, 7);
        List<Parameter> cpu = List.of(new Parameter(w)), dev = List.of(new Parameter(w.to(cuda)));
        assertEquals(1, stepBoth(r, cpu, dev, new Adam(cpu, 1e-2), new Adam(dev, 1e-2), i -> false));
        assertSameParameters(cpu, dev, "one parameter");
    }

    /**
     * Gives parameter i of both lists the same random gradient (none where {@code skip}), steps the CPU optimizer a and
     * the device optimizer b, and returns the launches of b's step.
     */
    private static long stepBoth(Random r, List<Parameter> cpu, List<Parameter> dev, Optimizer a, Optimizer b, IntPredicate skip) {
        for (int i = 0; i < cpu.size(); i++) {
            Tensor g = skip.test(i) ? null : Cases.random(r, DType.F32, cpu.get(i).tensor().shape());
            cpu.get(i).tensor().setGrad(g == null ? null : g.clone());
            dev.get(i).tensor().setGrad(g == null ? null : g.to(Cases.cuda()));
        }
        a.step();
        long l0 = Cases.runtime().launches();
        b.step();
        return Cases.runtime().launches() - l0;
    }

    /** Every CPU parameter equals its device twin bit for bit. */
    private static void assertSameParameters(List<Parameter> cpu, List<Parameter> dev, String at) {
        for (int i = 0; i < cpu.size(); i++) {
            assertArrayEquals(cpu.get(i).tensor().detach().toFloatArray(), dev.get(i).tensor().detach().toFloatArray(), at + " parameter " + i);
        }
    }

    private static Optimizer optimizer(int variant, List<Parameter> params) {
        return switch (variant) {
            case 0 -> new Adam(params, 1e-2);
            case 1 -> new Adam(params, 1e-2, 0.8, 0.99, 1e-6, 0.05, false);
            case 2 -> new AdamW(params, 3e-3);
            default -> new Adam(params, 1e-2, 0.9, 0.999, 1e-8, 0, true);
        };
    }
}
