package org.reformer4j.kernels;

import org.reformer4j.core.random.Generator;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of dropout.cu: {@code y = x * mask} with the scaled keep mask of {@link Generator#fillDropoutMask}
 * for the same key, written to {@code mask} for the backward ({@code dx = dy * mask}, an elementwise MUL).
 * The {@code Generator} overload reserves ceil(n/4) blocks, as {@code Generator.dropoutMask} does.
 * CPU twin: {@link DropoutCpu}.
 */
public final class Dropout {
    static final KernelSource SOURCE = KernelSource.load(Dropout.class, "dropout.cu");
    /** Kernel versions (see the top comment of dropout.cu). */
    public static final int VERSIONS = 1;

    private Dropout() {}

    public static void forward(CudaRuntime rt, DeviceBuffer x, DeviceBuffer y, DeviceBuffer mask, long n, float p,
            Generator gen, int version) {
        checkP(p);
        forward(rt, x, y, mask, n, p, gen.seed(), gen.stream(), gen.take(Generator.blocksFor4(n)), version);
    }

    public static void forward(CudaRuntime rt, DeviceBuffer x, DeviceBuffer y, DeviceBuffer mask, long n, float p,
            long seed, long stream, long start, int version) {
        checkP(p);
        forward(rt, x, y, mask, n, p, p >= 1f ? 0f : 1f / (1f - p), seed, stream, start, version);
    }

    /**
     * The same with the threshold and the kept elements' value given: element e kept iff its uniform is
     * {@code >= atLeast}, then multiplied by {@code keep} (core's Functional.dropout rounds both from float64).
     */
    public static void forward(CudaRuntime rt, DeviceBuffer x, DeviceBuffer y, DeviceBuffer mask, long n, float atLeast,
            float keep, long seed, long stream, long start, int version) {
        String fn = Launch.versioned("dropout", "dropout_forward", version, VERSIONS);
        checkP(atLeast);
        Launch.checkSizes("dropout", n);
        Launch.check4("dropout", "x", x, n);
        Launch.check4("dropout", "y", y, n);
        Launch.check4("dropout", "mask", mask, n);
        if (n == 0) return;
        Launch.function(rt, SOURCE, fn).launch(Launch.grid(Generator.blocksFor4(n)), Dim3.of(Launch.BLOCK), 0,
                KernelArgs.of().ptr(x).ptr(y).ptr(mask).i64(n).f32(atLeast).f32(keep).i64(seed).i64(stream).i64(start));
    }

    private static void checkP(float p) {
        if (!(p >= 0f && p <= 1f))
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
    }
}
