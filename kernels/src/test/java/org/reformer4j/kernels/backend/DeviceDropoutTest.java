package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;

/**
 * Functional.dropout on a float32 device tensor runs dropout.cu in one launch (CudaBackend.dropout) and gives the
 * CPU path's output and input gradient bit for bit: the same Philox uniforms, the same threshold (the smallest
 * float at or above p) and the same scale rounded from float64; a transposed input is made contiguous first.
 */
class DeviceDropoutTest {
    @Test
    void fusedDropoutEqualsTheCpuPathBitForBit() {
        Device cuda = Cases.cuda();
        CudaRuntime rt = Cases.runtime();
        Random r = new Random(29);
        for (double p : new double[] {0.1, 0.3, 1.0 / 3, 0.5, 0.9}) {
            for (boolean transposed : new boolean[] {false, true}) {
                Tensor x0 = Cases.random(r, DType.F32, 7, 33), w = Cases.random(r, DType.F32, transposed ? 33 : 7, transposed ? 7 : 33);
                Tensor xc = x0.clone().requiresGrad(true), xd = x0.to(cuda).requiresGrad(true);
                Tensor inC = transposed ? xc.t() : xc, inD = transposed ? xd.t() : xd;
                Tensor yc = Functional.dropout(inC, p, 5, 7, 11);
                long l0 = rt.launches();
                Tensor yd = Functional.dropout(inD, p, 5, 7, 11);
                String at = "p " + p + (transposed ? " transposed" : "");
                assertEquals(transposed ? 2 : 1, rt.launches() - l0, at + ": launches (a copy when transposed, then the kernel)");
                assertArrayEquals(yc.toFloatArray(), yd.toFloatArray(), at + ": output");
                yc.mul(w).sum().backward();
                yd.mul(w.to(cuda)).sum().backward();
                assertArrayEquals(xc.grad().toFloatArray(), xd.grad().toFloatArray(), at + ": input gradient");
            }
        }
    }
}
