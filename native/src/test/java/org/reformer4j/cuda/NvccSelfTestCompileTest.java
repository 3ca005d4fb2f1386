package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** emu_selftest.cu is real CUDA: it compiles with {@code nvcc -cubin -arch=sm_90} where nvcc is installed. */
class NvccSelfTestCompileTest {
    @Test
    void selfTestKernelsCompileForSm90() throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not on the PATH: the sm_90 compile check is skipped");
        long bytes = Nvcc.compileCubin(nvcc, KernelSource.load(getClass(), "emu_selftest.cu"), "sm_90");
        assertTrue(bytes > 0);
    }
}
