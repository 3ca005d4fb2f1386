package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.Stream;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;

/**
 * The devices each kernel test runs on (this package's and kernels.reformer's): the emulator always, the
 * GPU where one starts (skipped elsewhere).
 */
public final class Devices {
    private Devices() {}

    /** System property {@code reformer4j.test.devices} (default {@code emulator,gpu}) narrows the list. */
    public static Stream<String> names() {
        return Stream.of(System.getProperty("reformer4j.test.devices", "emulator,gpu").split(",")).map(String::trim);
    }

    public static CudaRuntime get(String name) {
        if (name.equals("emulator")) return CudaRuntimes.emulator();
        CudaProbe p = CudaRuntimes.probe();
        assumeTrue(p.available(), "GPU case skipped: " + p.reason());
        return CudaRuntimes.gpu();
    }
}
