package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/** reduce.cu (both versions) against ReduceCpu: row sums within float32 rounding, max values and indices exact. */
class ReduceTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void sumsAndMaxima(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(21);
        for (int version = 1; version <= Reduce.VERSIONS; version++)
            for (int[] s : RowCases.SHAPES) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] x = Check.uniform(r, n, 0f, 1f);
                for (int i = 0; i < n; i += 7) x[i] = Math.round(x[i] * 4) / 4f;  // ties for argmax
                if (n > 40) x[37] = Float.NaN;
                String at = device + " v" + version + " [" + rows + "," + cols + "]";
                float[] want = new float[rows];
                ReduceCpu.sumLastDim(x, want, rows, cols);
                try (DeviceBuffer dx = rt.upload(x); DeviceBuffer out = rt.allocate(4L * rows);
                        DeviceBuffer idx = rt.allocate(4L * rows)) {
                    Reduce.sumLastDim(rt, dx, out, rows, cols, version);
                    Check.close(at + " sum", want, rt.downloadFloats(out, rows), 64, 1e-7);
                    if (cols == 0) continue;
                    int[] wantIdx = new int[rows];
                    ReduceCpu.maxLastDim(x, want, wantIdx, rows, cols);
                    Reduce.maxLastDim(rt, dx, out, idx, rows, cols, version);
                    Check.close(at + " max", want, rt.downloadFloats(out, rows), 0, 0);
                    Check.exact(at + " argmax", wantIdx, rt.downloadInts(idx, rows));
                }
            }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void maxOfEmptyDimensionIsAnError(String device) {
        CudaRuntime rt = Devices.get(device);
        try (DeviceBuffer b = rt.allocate(16)) {
            assertThrows(IllegalArgumentException.class, () -> Reduce.maxLastDim(rt, b, b, b, 3, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> Reduce.sumLastDim(rt, b, b, 3, 2, 3));
        }
    }
}
