package org.reformer4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * Module.to(Device) where only the CPU exists: moving to the CPU keeps every parameter, gradient and buffer
 * as it is (same tensors), a module reports its device, and a device nobody serves is an error naming it
 * before anything moved. The move to an accelerator is tested in model (on the emulated CUDA device).
 */
class ModuleToTest {
    static final class Net extends Module {
        final Linear lin;

        Net() {
            lin = registerModule("lin", new Linear(3, 2, true, DType.F32, new Generator(1, 0)));
            registerBuffer("scale", Tensor.of(new float[] {2, 3}, 2), true);
        }
    }

    @Test
    void toTheCpuKeepsEverything() {
        Net net = new Net();
        assertEquals(Device.CPU, net.device());
        Parameter w = net.lin.weight();
        Tensor before = w.tensor(), buf = net.namedBuffers().get("scale");
        net.lin.forward(Tensor.ones(1, 3)).sum().backward();
        Tensor grad = w.grad();
        assertSame(net, net.to(Device.CPU));
        assertSame(before, w.tensor());
        assertSame(grad, w.grad());
        assertSame(buf, net.namedBuffers().get("scale"));
        assertTrue(w.tensor().requiresGrad());
    }

    @Test
    void anUnservedDeviceIsAnError() {
        Net net = new Net();
        var e = assertThrows(IllegalStateException.class, () -> net.to(new Device("nodevice", 0)));
        assertTrue(e.getMessage().contains("nodevice"), e.getMessage());
        assertEquals(Device.CPU, net.lin.weight().tensor().device());
        assertThrows(IllegalArgumentException.class, () -> net.to(null));
    }
}
