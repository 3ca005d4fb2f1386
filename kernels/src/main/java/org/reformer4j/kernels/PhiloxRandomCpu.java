package org.reformer4j.kernels;

import org.reformer4j.core.random.Generator;

/** CPU twin of philox_random.cu: the core generator's pure fills, element 0 at block {@code start}. */
public final class PhiloxRandomCpu {
    private PhiloxRandomCpu() {}

    public static void uniform(float[] out, long seed, long stream, long start) {
        Generator.fillUniform(seed, stream, start, 0, out, 0, out.length);
    }

    public static void normal(float[] out, long seed, long stream, long start) {
        Generator.fillNormal(seed, stream, start, 0, out, 0, out.length);
    }
}
