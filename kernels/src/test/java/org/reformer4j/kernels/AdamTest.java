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

    /**
     * adam_list_v1 on 70 tensors (three launches of up to 32) of sizes 0 .. 5000 against AdamCpu per tensor, bit for
     * bit, with and without AMSGrad, over the three steps; and the launch count.
     */
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void listStepsMatchTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(82);
        int count = 70;
        for (boolean amsgrad : new boolean[] {false, true}) {
            long[] n = new long[count];
            float[][] p = new float[count][], m = new float[count][], v = new float[count][], vmax = new float[count][];
            DeviceBuffer[] dp = new DeviceBuffer[count], dg = new DeviceBuffer[count], dm = new DeviceBuffer[count],
                    dv = new DeviceBuffer[count], dvm = amsgrad ? new DeviceBuffer[count] : null;
            for (int i = 0; i < count; i++) {
                int size = i == 3 ? 0 : i == 5 ? 4099 : i == 60 ? 5000 : 1 + r.nextInt(300);
                n[i] = size;
                p[i] = Check.uniform(r, size, -1f, 1f);
                m[i] = new float[size];
                v[i] = new float[size];
                vmax[i] = amsgrad ? new float[size] : null;
                dp[i] = rt.upload(p[i]);
                dm[i] = rt.upload(m[i]);
                dv[i] = rt.upload(v[i]);
                dg[i] = rt.allocate(4L * size);
                if (amsgrad) dvm[i] = rt.upload(vmax[i]);
            }
            try {
                for (Adam.Step s : STEPS) {
                    for (int i = 0; i < count; i++) {
                        float[] g = Check.uniform(r, (int) n[i], -0.5f, 0.5f);
                        rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(g), dg[i], 0, 4L * n[i]);
                        AdamCpu.step(s, p[i], g, m[i], v[i], vmax[i], (int) n[i]);
                    }
                    long l0 = rt.launches();
                    Adam.stepList(rt, s, dp, dg, dm, dv, dvm, n);
                    assertEquals(3, rt.launches() - l0, device + ": 70 tensors in launches of " + Adam.LIST);
                    for (int i = 0; i < count; i++) {
                        String at = device + (amsgrad ? " amsgrad" : "") + " tensor " + i + " n=" + n[i] + " " + s;
                        Check.close(at + " param", p[i], rt.downloadFloats(dp[i], (int) n[i]), 0, 0);
                        Check.close(at + " exp_avg", m[i], rt.downloadFloats(dm[i], (int) n[i]), 0, 0);
                        Check.close(at + " exp_avg_sq", v[i], rt.downloadFloats(dv[i], (int) n[i]), 0, 0);
                        if (amsgrad) Check.close(at + " max_exp_avg_sq", vmax[i], rt.downloadFloats(dvm[i], (int) n[i]), 0, 0);
                    }
                }
            } finally {
                for (DeviceBuffer[] bs : new DeviceBuffer[][] {dp, dg, dm, dv, dvm}) if (bs != null) for (DeviceBuffer b : bs) b.close();
            }
        }
    }

    @Test
    void listOfMismatchedArraysIsNamed() {
        CudaRuntime rt = Devices.get(Devices.names().findFirst().orElseThrow());
        try (DeviceBuffer b = rt.allocate(16)) {
            DeviceBuffer[] one = {b}, two = {b, b};
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Adam.stepList(rt, STEPS[0], one, two, one, one, null, new long[] {4}));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("1 params but 2 grads"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Adam.stepList(rt, STEPS[0], one, one, one, one, null, new long[] {5}));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("param 0 holds 4 elements, needs 5"), e.getMessage());
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
