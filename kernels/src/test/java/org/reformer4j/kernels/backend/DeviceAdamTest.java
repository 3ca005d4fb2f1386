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
 * Adam and AdamW on device parameters run as one adam.cu launch per parameter (CudaBackend.adamStep) and give
 * the CPU host loop's parameters bit for bit (both round every operation to float in torch's order): plain Adam,
 * L2 weight decay, AdamW, AMSGrad, several steps, a size that is not a multiple of the block.
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
                assertEquals(2, rt.launches() - l0, "variant " + variant + ": one fused launch per parameter");
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(cpu.get(i).tensor().detach().toFloatArray(), dev.get(i).tensor().detach().toFloatArray(),
                            "variant " + variant + " step " + step + " parameter " + i);
                }
            }
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
