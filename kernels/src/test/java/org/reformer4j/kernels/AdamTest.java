package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * adam.cu against AdamCpu bit for bit over three steps (Adam, AdamW, AMSGrad, maximize), and the twin
 * against the float64 update formula of torch's documentation.
 */
class AdamTest {
    private static final Adam.Step[] STEPS = {
        new Adam.Step(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1),
        new Adam.Step(3e-4, 0.9, 0.98, 1e-6, 0.01, false, false, 2),
        new Adam.Step(1e-2, 0.8, 0.99, 1e-8, 0.1, true, true, 5),
    };

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void stepsMatchTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(81);
        for (boolean amsgrad : new boolean[] {false, true})
            for (int n : new int[] {0, 1, 7, 1000, 4099}) {
                float[] p = Check.uniform(r, n, -1f, 1f), m = new float[n], v = new float[n], vmax = amsgrad ? new float[n] : null;
                try (DeviceBuffer dp = rt.upload(p); DeviceBuffer dm = rt.upload(m); DeviceBuffer dv = rt.upload(v);
                        DeviceBuffer dvm = amsgrad ? rt.upload(vmax) : null; DeviceBuffer dg = rt.allocate(4L * n)) {
                    for (Adam.Step s : STEPS) {
                        float[] g = Check.uniform(r, n, -0.5f, 0.5f);
                        rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(g), dg, 0, 4L * n);
                        AdamCpu.step(s, p, g, m, v, vmax, n);
                        Adam.step(rt, s, dp, dg, dm, dv, dvm, n, 1);
                        String at = device + (amsgrad ? " amsgrad" : "") + " n=" + n + " " + s;
                        Check.close(at + " param", p, rt.downloadFloats(dp, n), 0, 0);
                        Check.close(at + " exp_avg", m, rt.downloadFloats(dm, n), 0, 0);
                        Check.close(at + " exp_avg_sq", v, rt.downloadFloats(dv, n), 0, 0);
                    }
                }
            }
    }

    @Test
    void twinFollowsTheDocumentedUpdate() {
        Adam.Step s = new Adam.Step(1e-2, 0.9, 0.999, 1e-8, 0.1, true, false, 3);
        float[] p = {0.5f, -1.25f}, g = {0.2f, -0.4f}, m = {0.01f, 0.02f}, v = {0.001f, 0.002f};
        double[] want = new double[2];
        for (int i = 0; i < 2; i++) {
            double pi = p[i] * (1 - 1e-2 * 0.1);
            double mi = 0.9 * m[i] + 0.1 * g[i], vi = 0.999 * v[i] + 0.001 * g[i] * g[i];
            double mhat = mi / (1 - Math.pow(0.9, 3)), vhat = vi / (1 - Math.pow(0.999, 3));
            want[i] = pi - 1e-2 * mhat / (Math.sqrt(vhat) + 1e-8);
        }
        AdamCpu.step(s, p, g, m, v, null, 2);
        for (int i = 0; i < 2; i++) assertEquals(want[i], p[i], 1e-6, "param " + i);
    }
}
