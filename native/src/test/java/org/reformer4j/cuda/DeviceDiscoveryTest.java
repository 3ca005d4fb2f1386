package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** Device discovery never crashes: without a GPU it names the reason and falls back; with one it opens it. */
class DeviceDiscoveryTest {
    @Test
    void withoutGpuEveryPathSaysWhyAndFallsBack() {
        CudaProbe p = CudaRuntimes.probe();
        assumeFalse(p.available(), "this machine has a GPU (" + p + "); the no-GPU case is not observable");
        assertFalse(p.reason().isBlank());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, CudaRuntimes::gpu);
        assertTrue(e.getMessage().contains(p.reason()), e.getMessage());
        assertTrue(CudaRuntimes.best().isEmpty());
        assertSame(CudaRuntimes.emulator(), CudaRuntimes.fromProperty(), "auto falls back to the emulator");
    }

    @Test
    void withGpuTheRuntimeOpens() {
        CudaProbe p = CudaRuntimes.probe();
        assumeTrue(p.available(), "no GPU here: " + p.reason());
        CudaRuntime gpu = CudaRuntimes.gpu();
        assertTrue(gpu.computeCapability() >= 50, gpu.description());
        assertSame(gpu, CudaRuntimes.best().orElseThrow());
    }
}
