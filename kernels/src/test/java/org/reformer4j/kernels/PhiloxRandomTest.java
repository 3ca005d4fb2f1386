package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.core.random.Generator;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * philox_random.cu draws the CPU generator's numbers: uniforms bit for bit, normals bit for bit except
 * where the device's float64 log/sin/cos and the JDK's StrictMath round a value on either side of a float
 * boundary (then 1 ulp, and rarely). Keys with high bits set in seed, stream and the block counter.
 */
class PhiloxRandomTest {
    private static final long[][] KEYS = {{0, 0, 0}, {42, 7, 3}, {0xDEADBEEFCAFEF00DL, 0x8000000000000001L, 0xFFFFFFFFL}};

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void sameNumbersAsTheCpuGenerator(String device) {
        CudaRuntime rt = Devices.get(device);
        for (long[] k : KEYS)
            for (int n : new int[] {0, 1, 3, 5, 1023, 4099}) {
                float[] u = new float[n], z = new float[n];
                PhiloxRandomCpu.uniform(u, k[0], k[1], k[2]);
                PhiloxRandomCpu.normal(z, k[0], k[1], k[2]);
                String at = device + " key " + java.util.Arrays.toString(k) + " n=" + n;
                try (DeviceBuffer du = rt.allocate(4L * n); DeviceBuffer dz = rt.allocate(4L * n)) {
                    PhiloxRandom.uniform(rt, du, n, k[0], k[1], k[2], 1);
                    PhiloxRandom.normal(rt, dz, n, k[0], k[1], k[2], 1);
                    float[] gu = rt.downloadFloats(du, n), gz = rt.downloadFloats(dz, n);
                    for (int i = 0; i < n; i++)
                        if (Float.floatToRawIntBits(u[i]) != Float.floatToRawIntBits(gu[i]))
                            fail(at + ": uniform " + i + " is " + gu[i] + ", generator gives " + u[i]);
                    int off = 0;
                    for (int i = 0; i < n; i++) {
                        if (z[i] == gz[i]) continue;
                        off++;
                        assertTrue(Math.abs(z[i] - gz[i]) <= Math.ulp(z[i]), at + ": normal " + i + " is " + gz[i] + " vs " + z[i]);
                    }
                    assertTrue(off <= n / 1000, at + ": " + off + " normals differ by an ulp");
                }
            }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void generatorOverloadAdvancesLikeTheCpu(String device) {
        CudaRuntime rt = Devices.get(device);
        Generator cpu = new Generator(5, 9), dev = new Generator(5, 9);
        float[] want = new float[10];
        cpu.uniform(new float[7]);  // counter 2
        cpu.uniform(want);
        try (DeviceBuffer b = rt.allocate(40)) {
            PhiloxRandom.uniform(rt, b, 7, dev, 1);
            PhiloxRandom.uniform(rt, b, 10, dev, 1);
            Check.close(device + " second fill", want, rt.downloadFloats(b, 10), 0, 0);
        }
        assertEquals(cpu.counter(), dev.counter());
    }
}
