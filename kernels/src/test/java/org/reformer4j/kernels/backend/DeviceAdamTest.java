package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.core.optim.AdamW;
import org.reformer4j.core.optim.Optimizer;
import org.reformer4j.cuda.CudaRuntime;

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
        CudaRuntime rt = Cases.runtime();
        Random r = new Random(23);
        for (int variant = 0; variant < 4; variant++) {
            Tensor w1 = Cases.random(r, DType.F32, 37, 29), w2 = Cases.random(r, DType.F32, 1000);
            List<Parameter> cpu = List.of(new Parameter(w1), new Parameter(w2));
            List<Parameter> dev = List.of(new Parameter(w1.to(cuda)), new Parameter(w2.to(cuda)));
            Optimizer a = optimizer(variant, cpu), b = optimizer(variant, dev);
            for (int step = 0; step < 4; step++) {
                for (int i = 0; i < 2; i++) {
                    Tensor g = Cases.random(r, DType.F32, cpu.get(i).tensor().shape());
                    cpu.get(i).tensor().setGrad(g.clone());
                    dev.get(i).tensor().setGrad(g.to(cuda));
                }
                a.step();
                long l0 = rt.launches();
                b.step();
                assertEquals(1, rt.launches() - l0, "variant " + variant + ": both parameters in one multi-tensor launch");
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(cpu.get(i).tensor().detach().toFloatArray(), dev.get(i).tensor().detach().toFloatArray(),
                            "variant " + variant + " step " + step + " parameter " + i);
                }
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
        CudaRuntime rt = Cases.runtime();
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
            for (int i = 0; i < count; i++) {
                boolean skip = step == 2 && i % 10 == 0; // 8 parameters miss step 2: from step 3 they are one step behind
                cpu.get(i).tensor().setGrad(null);
                dev.get(i).tensor().setGrad(null);
                if (skip) continue;
                Tensor g = Cases.random(r, DType.F32, cpu.get(i).tensor().shape());
                cpu.get(i).tensor().setGrad(g.clone());
                dev.get(i).tensor().setGrad(g.to(cuda));
            }
            a.step();
            long l0 = rt.launches();
            b.step();
            // step 2: 67 parameters (3 launches); step 3: 67 at count 4 (3) and 8 at count 3 (1)
            assertEquals(step == 3 ? 4 : 3, rt.launches() - l0, "step " + step);
            for (int i = 0; i < count; i++) {
                assertArrayEquals(cpu.get(i).tensor().detach().toFloatArray(), dev.get(i).tensor().detach().toFloatArray(),
                        "step " + step + " parameter " + i);
            }
        }
    }

    /** A lone device parameter steps in one launch (the single-tensor kernel) and equals the host loop. */
    @Test
    void aSingleParameterTakesTheSingleKernel() {
        Device cuda = Cases.cuda();
        CudaRuntime rt = Cases.runtime();
        Random r = new Random(25);
        Tensor w = Cases.random(r, DType.F32, 5, 7);
        Parameter cpu = new Parameter(w), dev = new Parameter(w.to(cuda));
        Optimizer a = new Adam(List.of(cpu), 1e-2), b = new Adam(List.of(dev), 1e-2);
        Tensor g = Cases.random(r, DType.F32, 5, 7);
        cpu.tensor().setGrad(g.clone());
        dev.tensor().setGrad(g.to(cuda));
        a.step();
        long l0 = rt.launches();
        b.step();
        assertEquals(1, rt.launches() - l0);
        assertArrayEquals(cpu.tensor().detach().toFloatArray(), dev.tensor().detach().toFloatArray());
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
