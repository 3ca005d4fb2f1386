package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * The backward twin in float64 against central finite differences of the float64 forward twin (the idea of
 * core's GradCheck: a fixed random weight on every output, every input element perturbed), then
 * lsh_attention_backward.cu against the float32 twin on every LshCases case.
 */
class LshAttentionBackwardTest {
    @Test
    void twinGradientsMatchFiniteDifferences() {
        for (LshCases.Case cs : LshCases.CASES) {
            if (cs.cfg().rows() * cs.cfg().len() * cs.cfg().dimHead() > 1100) continue;  // the big case costs minutes
            LshConfig c = cs.cfg();
            LshCases.Data d = LshCases.data(cs, 81);
            LshTables t = d.tables();
            double[] qk = Near.widen(d.qk()), v = Near.widen(d.v()), w = Near.widen(d.g());
            LshAttentionForwardCpu.Result fwd = LshAttentionForwardCpu.forward(c, t, qk, v, false);
            LshAttentionBackwardCpu.Grads g = LshAttentionBackwardCpu.backward(c, t, qk, v, fwd, w, false);
            check("dqk " + cs, g.dqk(), qk, x -> objective(c, t, x, v, w));
            check("dv " + cs, g.dv(), v, x -> objective(c, t, qk, x, w));
        }
    }

    /** sum(out * w) in float64. */
    private static double objective(LshConfig c, LshTables t, double[] qk, double[] v, double[] w) {
        double[] out = LshAttentionForwardCpu.forward(c, t, qk, v, false).out();
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * w[i];
        return s;
    }

    private static void check(String what, double[] analytic, double[] x, java.util.function.ToDoubleFunction<double[]> f) {
        double eps = 1e-6;
        for (int e = 0; e < x.length; e++) {
            double keep = x[e];
            x[e] = keep + eps;
            double up = f.applyAsDouble(x);
            x[e] = keep - eps;
            double down = f.applyAsDouble(x);
            x[e] = keep;
            double numeric = (up - down) / (2 * eps), err = Math.abs(numeric - analytic[e]);
            if (err > 1e-6 * Math.max(1, Math.abs(numeric)))
                fail(what + ": element " + e + ": analytic " + analytic[e] + ", finite difference " + numeric + " (error " + err + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelMatchesTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        for (LshCases.Case cs : LshCases.kernelCases()) {
            LshConfig c = cs.cfg();
            LshCases.Data d = LshCases.data(cs, 82);
            LshAttentionForwardCpu.Result fwd = LshAttentionForwardCpu.forward(c, d.tables(), d.qk(), d.v());
            float[][] want = LshAttentionBackwardCpu.backward(c, d.tables(), d.qk(), d.v(), fwd, d.g());
            double scaleQ = maxAbs(want[0]), scaleV = maxAbs(want[1]);
            float[][] v2 = null;
            for (int version = 1; version <= LshAttentionBackward.VERSIONS; version++) {
                String at = device + " v" + version + " " + cs;
                float[][] got = backward(rt, c, d, version);
                Near.close(at + " dqk", Near.widen(want[0]), got[0], 2e-5 * scaleQ, 1e-4);
                Near.close(at + " dv", Near.widen(want[1]), got[1], 2e-5 * scaleV, 1e-4);
                // v3 and v4 run v2's sums in v2's order over half windows: the same bits
                if (version == 2) v2 = got;
                if (version >= 3) {
                    Near.exact(at + " dqk vs v2", v2[0], got[0]);
                    Near.exact(at + " dv vs v2", v2[1], got[1]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelIsDeterministic(String device) {
        CudaRuntime rt = Devices.get(device);
        LshCases.Case cs = LshCases.CASES.get(0);
        LshCases.Data d = LshCases.data(cs, 83);
        for (int version : new int[] {1, LshAttentionBackward.VERSIONS}) {
            float[][] first = backward(rt, cs.cfg(), d, version);
            for (int run = 1; run < 3; run++) {
                float[][] now = backward(rt, cs.cfg(), d, version);
                Near.exact("v" + version + " dqk run " + run, first[0], now[0]);
                Near.exact("v" + version + " dv run " + run, first[1], now[1]);
            }
        }
    }

    /** {dqk, dv} of the kernel version after a version-1 forward, on rt. */
    private static float[][] backward(CudaRuntime rt, LshConfig c, LshCases.Data d, int version) {
        int elems = c.rows() * c.len() * c.dimHead();
        try (LshDeviceTables t = LshDeviceTables.upload(rt, d.tables()); DeviceBuffer qk = rt.upload(d.qk());
                DeviceBuffer v = rt.upload(d.v()); DeviceBuffer g = rt.upload(d.g());
                DeviceBuffer out = rt.allocate(4L * c.rows() * c.queryLen() * c.dimHead());
                LshAttentionForward.Saved saved = LshAttentionForward.Saved.allocate(rt, c);
                DeviceBuffer dqk = rt.allocate(4L * elems); DeviceBuffer dv = rt.allocate(4L * elems)) {
            LshAttentionForward.forward(rt, c, t, qk, v, out, saved, 1);
            LshAttentionBackward.backward(rt, c, t, qk, v, out, saved, g, dqk, dv, version);
            return new float[][] {rt.downloadFloats(dqk, elems), rt.downloadFloats(dv, elems)};
        }
    }

    private static double maxAbs(float[] a) {
        double m = 1e-30;
        for (float x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

}
