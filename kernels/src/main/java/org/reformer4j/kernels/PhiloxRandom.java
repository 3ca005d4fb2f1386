package org.reformer4j.kernels;

import org.reformer4j.core.random.Generator;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of philox_random.cu: float32 uniform and standard normal fills on the device that give the
 * numbers {@link Generator} gives on the CPU for the same (seed, stream, start block). The
 * {@code Generator} overloads reserve the blocks from the generator (advancing its counter by ceil(n/4)),
 * exactly as its own {@code uniform(float[])} and {@code normal(float[])} do. CPU twin: {@link PhiloxRandomCpu}.
 */
public final class PhiloxRandom {
    static final KernelSource SOURCE = KernelSource.load(PhiloxRandom.class, "philox_random.cu");
    /** Kernel versions (see the top comment of philox_random.cu). */
    public static final int VERSIONS = 1;

    private PhiloxRandom() {}

    public static void uniform(CudaRuntime rt, DeviceBuffer out, long n, Generator gen, int version) {
        uniform(rt, out, n, gen.seed(), gen.stream(), gen.take(Generator.blocksFor4(n)), version);
    }

    public static void normal(CudaRuntime rt, DeviceBuffer out, long n, Generator gen, int version) {
        normal(rt, out, n, gen.seed(), gen.stream(), gen.take(Generator.blocksFor4(n)), version);
    }

    public static void uniform(CudaRuntime rt, DeviceBuffer out, long n, long seed, long stream, long start, int version) {
        fill(rt, "uniform", out, n, seed, stream, start, version);
    }

    public static void normal(CudaRuntime rt, DeviceBuffer out, long n, long seed, long stream, long start, int version) {
        fill(rt, "normal", out, n, seed, stream, start, version);
    }

    private static void fill(CudaRuntime rt, String kind, DeviceBuffer out, long n, long seed, long stream, long start,
            int version) {
        String fn = Launch.versioned("random." + kind, kind, version, VERSIONS);
        Launch.checkSizes("random." + kind, n);
        Launch.check4("random." + kind, "out", out, n);
        if (n == 0) return;
        Launch.function(rt, SOURCE, fn).launch(Launch.grid(Generator.blocksFor4(n)), Dim3.of(Launch.BLOCK), 0,
                KernelArgs.of().ptr(out).i64(n).i64(seed).i64(stream).i64(start));
    }
}
