package org.reformer4j.kernels;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/** softmax.cu (both versions) against SoftmaxCpu: softmax and log-softmax, forward and backward. */
class SoftmaxTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void forwardAndBackwardMatchTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(31);
        for (int version = 1; version <= Softmax.VERSIONS; version++)
            for (boolean log : new boolean[] {false, true})
                for (int[] s : RowCases.SHAPES) {
                    int rows = s[0], cols = s[1], n = rows * cols;
                    float[] x = Check.uniform(r, n, -8f, 8f), dy = Check.uniform(r, n, -1f, 1f);
                    float[] y = new float[n], dx = new float[n];
                    SoftmaxCpu.forward(x, y, rows, cols, log);
                    SoftmaxCpu.backward(y, dy, dx, rows, cols, log);
                    String at = device + " v" + version + (log ? " log_softmax" : " softmax") + " [" + rows + "," + cols + "]";
                    try (DeviceBuffer dX = rt.upload(x); DeviceBuffer dY = rt.allocate(4L * n);
                            DeviceBuffer dDy = rt.upload(dy); DeviceBuffer dDx = rt.allocate(4L * n)) {
                        Softmax.forward(rt, dX, dY, rows, cols, log, version);
                        Check.close(at + " forward", y, rt.downloadFloats(dY, n), 16, 1e-7);
                        rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(y), dY, 0, 4L * n);  // same y for both
                        Softmax.backward(rt, dY, dDy, dDx, rows, cols, log, version);
                        Check.close(at + " backward", dx, rt.downloadFloats(dDx, n), 16, 1e-6);
                    }
                }
    }
}
