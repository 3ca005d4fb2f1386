package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntimes;

/**
 * A machine without a GPU, in a JVM without reformer4j.cuda.emulate (the build runs this class in its own
 * surefire execution): the cuda provider is found but stays closed, Device.best() is the CPU, and creating
 * a CUDA tensor is an IllegalStateException that says why. Skipped where a GPU starts.
 */
class CudaBackendAbsentTest {
    @BeforeAll
    static void noGpuAndNoEmulator() {
        assumeFalse(Boolean.getBoolean(CudaBackendProvider.EMULATE_PROPERTY),
                "runs only in a JVM without " + CudaBackendProvider.EMULATE_PROPERTY);
        assumeFalse(CudaRuntimes.probe().available(), "a GPU is present: " + CudaRuntimes.probe());
    }

    @Test
    void bestDeviceIsTheCpu() {
        assertEquals(Device.CPU, Device.best());
        assertFalse(Backends.isAvailable("cuda"));
    }

    @Test
    void providerIsFoundButClosedWithAReason() {
        var provider = new CudaBackendProvider();
        assertEquals("cuda", provider.name());
        assertTrue(provider.open().isEmpty());
        assertTrue(provider.unavailableReason().contains(CudaRuntimes.probe().reason()), provider.unavailableReason());
    }

    @Test
    void creatingACudaTensorSaysWhy() {
        var e = assertThrows(IllegalStateException.class,
                () -> Tensor.zeros(new int[] {2, 3}, DType.F32, Device.parse("cuda")));
        String m = e.getMessage();
        assertTrue(m.contains("cuda:0") && m.contains("not available") && m.contains(CudaRuntimes.probe().reason())
                && m.contains(CudaBackendProvider.EMULATE_PROPERTY), m);
    }
}
