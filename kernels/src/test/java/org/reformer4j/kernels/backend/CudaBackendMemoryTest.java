package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * The CUDA backend's memory: host round trips of every dtype (empty, strided and offset views included),
 * zeroed allocation, buffers of a closed Scope's storages handed back to the caching allocator at once (the
 * storages unusable afterwards), a kept tensor surviving its scope, and devices other than cuda:0 refused.
 */
class CudaBackendMemoryTest {
    @Test
    void hostRoundTripsOfEveryDtype() {
        Device cuda = Cases.cuda();
        Random r = new Random(17);
        for (DType dt : DType.values())
            for (int[] shape : new int[][] {{0}, {1}, {3, 5}, {2, 3, 4}}) {
                Tensor x = Cases.random(r, dt, shape), d = x.to(cuda);
                assertEquals(cuda, d.device());
                Cases.close(dt + " round trip", x, d.to(Device.CPU), 0, 0);
                if (shape.length >= 2) {
                    Cases.close(dt + " transposed", x.transpose(0, 1).contiguous(), d.transpose(0, 1).to(Device.CPU), 0, 0);
                    Cases.close(dt + " narrowed", x.narrow(0, 1, 1), d.narrow(0, 1, 1).to(Device.CPU), 0, 0);
                }
            }
        Tensor z = Tensor.zeros(new int[] {1000}, DType.F64, cuda);
        assertArrayEquals(new double[1000], z.toDoubleArray());
    }

    @Test
    void aClosedScopeHandsItsBuffersBack() {
        Device cuda = Cases.cuda();
        Tensor kept, lost;
        DeviceBuffer lostBuffer, keptBuffer;
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(new int[] {256, 256}, DType.F32, cuda);
            lost = a.add(1.0).mul(a);
            kept = s.keep(lost.sum(0, false));
            lostBuffer = (DeviceBuffer) lost.storage().data();
            keptBuffer = (DeviceBuffer) kept.storage().data();
        }
        assertTrue(lostBuffer.isClosed(), "the scope's buffer went back to the caching allocator");
        assertFalse(keptBuffer.isClosed(), "a kept tensor's buffer stays");
        assertEquals(0.0, kept.sum().item());
        var e = assertThrows(IllegalStateException.class, lost::toFloatArray);
        assertTrue(e.getMessage().contains("Scope"), e.getMessage());
    }

    @Test
    void onlyDeviceZeroIsServed() {
        Device cuda = Cases.cuda();
        var e = assertThrows(IllegalArgumentException.class,
                () -> Backends.of(cuda).allocate(new Device("cuda", 1), DType.F32, 4, true));
        assertTrue(e.getMessage().contains("cuda:1"), e.getMessage());
    }

    /**
     * Tensor.copyFrom moves a source from another device (core's optimizers write parameters back from host
     * arrays): an Adam step on device parameters equals the step on the CPU, and copies run both ways.
     */
    @Test
    void crossDeviceCopiesAndAnAdamStepOnDeviceParameters() {
        Device cuda = Cases.cuda();
        Random r = new Random(18);
        Tensor w = Cases.random(r, DType.F32, 4, 3), g = Cases.random(r, DType.F32, 4, 3);
        Parameter cpu = new Parameter(w), dev = new Parameter(w.to(cuda));
        cpu.tensor().setGrad(g.clone());
        dev.tensor().setGrad(g.to(cuda));
        Adam a = new Adam(java.util.List.of(cpu), 0.01), b = new Adam(java.util.List.of(dev), 0.01);
        for (int step = 0; step < 3; step++) {
            a.step();
            b.step();
        }
        assertEquals(cuda, dev.tensor().device());
        Cases.close("Adam on cuda parameters", cpu.tensor().detach(), dev.tensor().detach(), 1e-6, 1e-7);
        Tensor host = Tensor.zeros(new int[] {3, 4}, DType.F64, Device.CPU).copyFrom(dev.tensor().detach().t());
        Cases.close("cuda -> cpu copyFrom", cpu.tensor().detach().t().to(DType.F64), host, 1e-6, 1e-7);
    }
}
