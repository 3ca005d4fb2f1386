package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * reversible.cu against ReversibleCpu, bit for bit (one float32 operation per element), on empty, odd and
 * larger-than-the-grid sizes; and a whole reversible block on the device: forward y = (x1 + f(x2), x2 +
 * g(y1)) with f, g elementwise maps, then the backward restores x up to float32 rounding and its
 * gradients match float64 finite differences of the block.
 */
class ReversibleTest {
    static final int[][] SHAPES = {{0, 3}, {1, 1}, {3, 7}, {17, 33}, {130, 257}};

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelsMatchTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(101);
        for (int[] s : SHAPES) {
            int rows = s[0], dim = s[1], half = rows * dim, full = 2 * half;
            float[] y = Near.normal(r, full), dy = Near.normal(r, full), f = Near.normal(r, half), gx = Near.normal(r, half);
            for (int a = 0; a < 2; a++) {
                float[] wy = y.clone(), wdy = dy.clone(), wout = new float[half];
                ReversibleCpu.add(wy, f, rows, dim, a);
                ReversibleCpu.restore(wy, gx, wdy, f, rows, dim, 1 - a, a);
                ReversibleCpu.merge(wy, wout, rows, dim, false);
                ReversibleCpu.accumulate(wdy, wy, full);
                float[] wback = new float[full];
                ReversibleCpu.merge(wback, wout, rows, dim, true);
                String at = device + " [" + rows + "," + dim + "] half " + a;
                try (DeviceBuffer dY = rt.upload(y); DeviceBuffer dDy = rt.upload(dy); DeviceBuffer dF = rt.upload(f);
                        DeviceBuffer dG = rt.upload(gx); DeviceBuffer dOut = rt.allocate(4L * Math.max(1, half));
                        DeviceBuffer dBack = rt.allocate(4L * Math.max(1, full))) {
                    Reversible.add(rt, dY, dF, rows, dim, a, 1);
                    Reversible.restore(rt, dY, dG, dDy, dF, rows, dim, 1 - a, a, 1);
                    Reversible.merge(rt, dY, dOut, rows, dim, false, 1);
                    Reversible.accumulate(rt, dDy, dY, full, 1);
                    Reversible.merge(rt, dBack, dOut, rows, dim, true, 1);
                    Near.exact(at + " y", wy, rt.downloadFloats(dY, full));
                    Near.exact(at + " dy", wdy, rt.downloadFloats(dDy, full));
                    Near.exact(at + " out", wout, rt.downloadFloats(dOut, half));
                    Near.exact(at + " merge backward", wback, rt.downloadFloats(dBack, full));
                }
            }
        }
    }

    /** More elements than the capped grid's threads (4096 x 256): the grid-stride loop takes a second lap. */
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void accumulateStridesPastTheGrid(String device) {
        CudaRuntime rt = Devices.get(device);
        int n = 4096 * 256 + 1000;
        Random r = new Random(103);
        float[] acc = Near.normal(r, n), x = Near.normal(r, n), want = acc.clone();
        ReversibleCpu.accumulate(want, x, n);
        try (DeviceBuffer dA = rt.upload(acc); DeviceBuffer dX = rt.upload(x)) {
            Reversible.accumulate(rt, dA, dX, n, 1);
            Near.exact(device + " accumulate n=" + n, want, rt.downloadFloats(dA, n));
        }
    }

    // f(x) = tanh(x) * 0.5, g(x) = x^2 / 4 (elementwise), and their derivatives
    private static double f(double x) {
        return Math.tanh(x) * 0.5;
    }

    private static double df(double x) {
        double t = Math.tanh(x);
        return 0.5 * (1 - t * t);
    }

    private static double g(double x) {
        return x * x / 4;
    }

    private static double dg(double x) {
        return x / 2;
    }

    private static float[] map(float[] y, int rows, int dim, int half, java.util.function.DoubleUnaryOperator op) {
        float[] out = new float[rows * dim];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) out[r * dim + j] = (float) op.applyAsDouble(y[r * 2 * dim + half * dim + j]);
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void blockBackwardRestoresInputsAndGradients(String device) {
        CudaRuntime rt = Devices.get(device);
        int rows = 5, dim = 6, full = 2 * rows * dim;
        Random r = new Random(102);
        float[] x = Near.normal(r, full), w = Near.normal(r, rows * dim);  // loss = sum(merge(y) * w)
        try (DeviceBuffer y = rt.upload(x); DeviceBuffer tmp = rt.allocate(4L * rows * dim);
                DeviceBuffer tmp2 = rt.allocate(4L * rows * dim); DeviceBuffer dy = rt.allocate(4L * full);
                DeviceBuffer dw = rt.upload(w)) {
            // forward: y1 = x1 + f(x2); y2 = x2 + g(y1)
            rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(map(x, rows, dim, 1, ReversibleTest::f)), tmp, 0, 4L * rows * dim);
            Reversible.add(rt, y, tmp, rows, dim, Reversible.FIRST, 1);
            float[] yh = rt.downloadFloats(y, full);
            rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(map(yh, rows, dim, 0, ReversibleTest::g)), tmp, 0, 4L * rows * dim);
            Reversible.add(rt, y, tmp, rows, dim, Reversible.SECOND, 1);
            Reversible.merge(rt, dy, dw, rows, dim, true, 1);  // dL/dy = (w/2, w/2)
            // backward: recompute g(y1), gx = dL/dy2 * g'(y1); x2 = y2 - g(y1); dx1 = dy1 + gx
            yh = rt.downloadFloats(y, full);
            float[] dyh = rt.downloadFloats(dy, full), gy = map(yh, rows, dim, 0, ReversibleTest::g), gx = new float[rows * dim];
            for (int i = 0; i < rows * dim; i++) gx[i] = (float) (dyh[(i / dim) * 2 * dim + dim + i % dim] * dg(yh[(i / dim) * 2 * dim + i % dim]));
            upload(rt, tmp, gy);
            upload(rt, tmp2, gx);
            Reversible.restore(rt, y, tmp, dy, tmp2, rows, dim, Reversible.SECOND, Reversible.FIRST, 1);
            // then f(x2), fx = dL/dy1 * f'(x2); x1 = y1 - f(x2); dx2 = dy2 + fx
            yh = rt.downloadFloats(y, full);
            dyh = rt.downloadFloats(dy, full);
            float[] fy = map(yh, rows, dim, 1, ReversibleTest::f), fx = new float[rows * dim];
            for (int i = 0; i < rows * dim; i++) fx[i] = (float) (dyh[(i / dim) * 2 * dim + i % dim] * df(yh[(i / dim) * 2 * dim + dim + i % dim]));
            upload(rt, tmp, fy);
            upload(rt, tmp2, fx);
            Reversible.restore(rt, y, tmp, dy, tmp2, rows, dim, Reversible.FIRST, Reversible.SECOND, 1);
            float[] restored = rt.downloadFloats(y, full), grad = rt.downloadFloats(dy, full);
            Near.close("restored x", Near.widen(x), restored, 1e-5, 1e-5);
            double[] xd = Near.widen(x);
            for (int e = 0; e < full; e++) {
                double keep = xd[e], h = 1e-6;
                xd[e] = keep + h;
                double up = block(xd, w, rows, dim);
                xd[e] = keep - h;
                double down = block(xd, w, rows, dim);
                xd[e] = keep;
                assertEquals((up - down) / (2 * h), grad[e], 1e-4, "dL/dx[" + e + "]");
            }
        }
    }

    private static void upload(CudaRuntime rt, DeviceBuffer b, float[] a) {
        rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(a), b, 0, 4L * a.length);
    }

    /** sum(((x1 + f(x2)) + (x2 + g(x1 + f(x2)))) / 2 * w) in float64. */
    private static double block(double[] x, float[] w, int rows, int dim) {
        double s = 0;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) {
                double x1 = x[r * 2 * dim + j], x2 = x[r * 2 * dim + dim + j], y1 = x1 + f(x2), y2 = x2 + g(y1);
                s += (y1 + y2) / 2 * w[r * dim + j];
            }
        return s;
    }

    @Test
    void badHalvesAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> ReversibleCpu.add(new float[4], new float[2], 1, 2, 2));
    }
}
