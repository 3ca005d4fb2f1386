package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * cross_entropy.cu against CrossEntropyCpu (ignored rows, all rows ignored, odd class counts), the twin's
 * mean against a plain float64 formula, and an out-of-range target named.
 */
class CrossEntropyTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void lossAndGradientMatchTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(61);
        int ignore = 0;
        int[][] cases = {{1, 1}, {7, 5}, {33, 257}, {64, 1000}, {4, 3}};
        for (int[] c : cases) {
            int rows = c[0], cols = c[1];
            float[] logits = Check.uniform(r, rows * cols, -6f, 6f);
            int[] targets = new int[rows];
            for (int i = 0; i < rows; i++) targets[i] = r.nextInt(cols);
            if (rows == 4) java.util.Arrays.fill(targets, ignore);  // every row ignored: NaN, zero gradient
            float[] lse = new float[rows], dlogits = new float[rows * cols];
            float[] want = CrossEntropyCpu.forward(logits, targets, lse, rows, cols, ignore);
            double ref = 0;
            int count = 0;
            for (int i = 0; i < rows; i++) {
                if (targets[i] == ignore) continue;
                double s = 0;
                for (int j = 0; j < cols; j++) s += Math.exp(logits[i * cols + j]);
                ref += Math.log(s) - logits[i * cols + targets[i]];
                count++;
            }
            if (count > 0) assertEquals(ref / count, want[0], 1e-5 * Math.max(1, Math.abs(ref / count)), "twin mean");
            CrossEntropyCpu.backward(logits, targets, lse, want[1], 0.75f, dlogits, rows, cols, ignore);
            String at = device + " [" + rows + "," + cols + "]";
            try (DeviceBuffer dL = rt.upload(logits); DeviceBuffer dT = rt.upload(targets);
                    DeviceBuffer dLse = rt.allocate(4L * rows); DeviceBuffer out = rt.allocate(8);
                    DeviceBuffer dloss = rt.upload(new float[] {0.75f}); DeviceBuffer dG = rt.allocate(4L * rows * cols)) {
                CrossEntropy.forward(rt, dL, dT, dLse, out, rows, cols, ignore, 1);
                Check.close(at + " lse", lse, rt.downloadFloats(dLse, rows), 16, 1e-6);
                Check.close(at + " mean, count", want, rt.downloadFloats(out, 2), 64, 1e-6);
                CrossEntropy.backward(rt, dL, dT, dLse, out, dloss, dG, rows, cols, ignore, 1);
                Check.close(at + " dlogits", dlogits, rt.downloadFloats(dG, rows * cols), 32, 1e-7);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void targetOutsideClassesIsNamed(String device) {
        CudaRuntime rt = Devices.get(device);
        try (DeviceBuffer logits = rt.upload(new float[6]); DeviceBuffer targets = rt.upload(new int[] {-100, 3});
                DeviceBuffer lse = rt.allocate(8); DeviceBuffer out = rt.allocate(8)) {
            var e = assertThrows(IndexOutOfBoundsException.class,
                    () -> CrossEntropy.forward(rt, logits, targets, lse, out, 2, 3, -100, 1));
            assertTrue(e.getMessage().contains("target 3 of row 1"), e.getMessage());
            CrossEntropy.forward(rt, logits, targets, lse, out, 0, 3, -100, 1);
            assertTrue(Float.isNaN(rt.downloadFloats(out, 1)[0]), "mean over no rows is NaN");
        }
    }
}
