package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.core.random.Generator;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/** dropout.cu gives exactly DropoutCpu's mask and output (the CPU generator's mask) for p in {0, 0.1, 0.5, 1}. */
class DropoutTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void maskAndOutputMatchTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(71);
        for (float p : new float[] {0f, 0.1f, 0.5f, 1f})
            for (int n : new int[] {0, 1, 6, 257, 5001}) {
                float[] x = Check.uniform(r, n, -2f, 2f), y = new float[n], mask = new float[n];
                DropoutCpu.forward(x, y, mask, p, 1234, 2, 17);
                String at = device + " p=" + p + " n=" + n;
                try (DeviceBuffer dx = rt.upload(x); DeviceBuffer dy = rt.allocate(4L * n); DeviceBuffer dm = rt.allocate(4L * n)) {
                    Dropout.forward(rt, dx, dy, dm, n, p, 1234, 2, 17, 1);
                    Check.close(at + " mask", mask, rt.downloadFloats(dm, n), 0, 0);
                    Check.close(at + " y", y, rt.downloadFloats(dy, n), 0, 0);
                }
            }
        Generator g = new Generator(1, 1);
        try (DeviceBuffer b = rt.allocate(40)) {
            Dropout.forward(rt, b, b, b, 10, 0.3f, g, 1);
            assertEquals(3, g.counter(), "10 elements take ceil(10/4) blocks");
            assertThrows(IllegalArgumentException.class, () -> Dropout.forward(rt, b, b, b, 10, 1.5f, g, 1));
        }
    }
}
