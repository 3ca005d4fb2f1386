package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * What the CUDA backend tests share: the device under test (the GPU where one starts, else the emulator
 * opened by reformer4j.cuda.emulate=true, which the build sets), seeded random CPU tensors of every dtype,
 * and comparisons that name the case, the element and the largest difference.
 */
final class Cases {
    static final Device CUDA = Device.parse("cuda");

    private Cases() {}

    /** cuda:0, or the test is skipped saying why it cannot start. */
    static Device cuda() {
        if (!Backends.isAvailable("cuda")) {
            String why = "";
            try {
                Backends.of(CUDA);
            } catch (IllegalStateException e) {
                why = e.getMessage();
            }
            assumeTrue(false, "CUDA backend tests skipped: " + why);
        }
        return CUDA;
    }

    /** A CPU tensor of {@code dtype}: normals for floats, integers in [-20, 20], random bools. */
    /** The runtime cuda:0 launches on (skips as {@link #cuda} does where there is none). */
    static org.reformer4j.cuda.CudaRuntime runtime() {
        return ((CudaBackend) Backends.of(cuda())).runtime();
    }

    static Tensor random(Random r, DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return switch (dtype) {
            case F32 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
                yield Tensor.of(v, shape);
            }
            case F64 -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
                yield Tensor.of(v, shape);
            }
            case I32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = r.nextInt(41) - 20;
                yield Tensor.of(v, shape);
            }
            case I64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = r.nextInt(41) - 20;
                yield Tensor.of(v, shape);
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) v[i] = r.nextBoolean();
                yield Tensor.of(v, shape);
            }
        };
    }

    /** Integer indices in [0, limit) as an int64 (or int32) CPU tensor. */
    static Tensor indices(Random r, int limit, DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(limit);
        return Tensor.of(v, shape).to(dtype);
    }

    /**
     * got (any device) equals want (CPU): same shape and dtype; floats within atol + rtol |want| (NaN matches
     * NaN, infinities exactly), integers and bools exactly.
     */
    static void close(String what, Tensor want, Tensor got, double rtol, double atol) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        if (!want.dtype().isFloating()) {
            long[] w = want.toLongArray(), g = got.toLongArray();
            for (int i = 0; i < w.length; i++)
                if (w[i] != g[i]) fail(what + ": element " + i + " is " + g[i] + ", expected " + w[i]);
            return;
        }
        double[] w = want.toDoubleArray(), g = got.toDoubleArray();
        int worst = -1;
        double excess = 0;
        for (int i = 0; i < w.length; i++) {
            if (Double.isNaN(w[i]) || Double.isNaN(g[i]) || Double.isInfinite(w[i]) || Double.isInfinite(g[i])) {
                if (Double.compare(w[i], g[i]) != 0 && !(Double.isNaN(w[i]) && Double.isNaN(g[i])))
                    fail(what + ": element " + i + " is " + g[i] + ", expected " + w[i]);
                continue;
            }
            double e = Math.abs(g[i] - w[i]) - (atol + rtol * Math.abs(w[i]));
            if (e > excess) {
                excess = e;
                worst = i;
            }
        }
        if (worst >= 0)
            fail(what + ": element " + worst + " of " + Arrays.toString(want.shape()) + " is " + g[worst] + ", expected "
                    + w[worst] + " (diff " + Math.abs(g[worst] - w[worst]) + ", allowed " + atol + " + " + rtol + " |x|)");
    }

    /** Float32 rounding tolerance for a result of a few operations. */
    static void close(String what, Tensor want, Tensor got) {
        close(what, want, got, 2e-5, 2e-6);
    }
}
