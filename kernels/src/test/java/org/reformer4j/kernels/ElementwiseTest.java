package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/** elementwise.cu against ElementwiseCpu: every unary op over odd and empty sizes, binary ops with broadcasting. */
class ElementwiseTest {
    private static final int[] SIZES = {0, 1, 7, 255, 257, 4099};

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void unaryOpsMatchTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(11);
        for (Elementwise.Unary op : Elementwise.Unary.values())
            for (int n : SIZES) {
                boolean positive = op == Elementwise.Unary.LOG || op == Elementwise.Unary.SQRT
                        || op == Elementwise.Unary.RSQRT;
                float[] x = Check.uniform(r, n, positive ? 0.01f : -6f, 6f);
                float[] want = new float[n];
                ElementwiseCpu.unary(op, x, want, n);
                try (DeviceBuffer dx = rt.upload(x); DeviceBuffer dy = rt.allocate(4L * n)) {
                    Elementwise.unary(rt, op, dx, dy, n, 1);
                    Check.close(device + " " + op + " n=" + n, want, rt.downloadFloats(dy, n), 4, 1e-6);
                }
            }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void binaryOpsBroadcastLikeTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(12);
        long[][][] cases = {
            {{3, 1, 5}, {4, 1}}, {{7}, {1}}, {{0, 3}, {3}}, {{2, 3, 1, 5, 1, 7}, {7}}, {{}, {}}, {{33, 65}, {33, 65}},
            {{1}, {513}},
        };
        for (long[][] c : cases) {
            long[] out = Elementwise.broadcastShape(c[0], c[1]);
            int na = (int) Arrays.stream(c[0]).reduce(1, (x, y) -> x * y);
            int nb = (int) Arrays.stream(c[1]).reduce(1, (x, y) -> x * y);
            int n = (int) Arrays.stream(out).reduce(1, (x, y) -> x * y);
            float[] a = Check.uniform(r, na, 0.5f, 2f), b = Check.uniform(r, nb, 0.5f, 2f);
            if (nb > 0) b[0] = na > 0 ? a[0] : b[0];  // an equal pair for EQ
            long[] sa = Elementwise.broadcastStrides(c[0], out), sb = Elementwise.broadcastStrides(c[1], out);
            for (Elementwise.Binary op : Elementwise.Binary.values()) {
                float[] want = new float[n];
                ElementwiseCpu.binary(op, a, sa, b, sb, want, out);
                try (DeviceBuffer da = rt.upload(a); DeviceBuffer db = rt.upload(b); DeviceBuffer dout = rt.allocate(4L * n)) {
                    Elementwise.binary(rt, op, da, sa, db, sb, dout, out, 1);
                    Check.close(device + " " + op + " " + Arrays.toString(c[0]) + " with " + Arrays.toString(c[1]), want,
                            rt.downloadFloats(dout, n), 4, 0);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void badArgumentsAreNamed(String device) {
        CudaRuntime rt = Devices.get(device);
        assertArrayEquals(new long[] {0, 1, 0}, Elementwise.broadcastStrides(new long[] {4, 1}, new long[] {3, 4, 5}));
        var e = assertThrows(IllegalArgumentException.class,
                () -> Elementwise.broadcastShape(new long[] {3, 4}, new long[] {5}));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("[3, 4] and [5]"), e.getMessage());
        try (DeviceBuffer small = rt.allocate(8)) {
            var e2 = assertThrows(IllegalArgumentException.class,
                    () -> Elementwise.unary(rt, Elementwise.Unary.EXP, small, small, 3, 1));
            org.junit.jupiter.api.Assertions.assertTrue(e2.getMessage().contains("holds 2 elements, needs 3"), e2.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Elementwise.unary(rt, Elementwise.Unary.EXP, small, small, 2, 9));
        }
    }
}
