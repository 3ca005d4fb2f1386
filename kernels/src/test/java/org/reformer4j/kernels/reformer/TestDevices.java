package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.Stream;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;

/**
 * The devices each Reformer kernel test runs on, as in the kernels package: the emulator always, the GPU
 * where one starts (skipped elsewhere); system property {@code reformer4j.test.devices} narrows the list.
 */
final class TestDevices {
    private TestDevices() {}

    static Stream<String> names() {
        return Stream.of(System.getProperty("reformer4j.test.devices", "emulator,gpu").split(",")).map(String::trim);
    }

    static CudaRuntime get(String name) {
        if (name.equals("emulator")) return CudaRuntimes.emulator();
        CudaProbe p = CudaRuntimes.probe();
        assumeTrue(p.available(), "GPU case skipped: " + p.reason());
        return CudaRuntimes.gpu();
    }
}
