package org.reformer4j.kernels;

import org.reformer4j.core.random.Generator;

/** CPU twin of dropout.cu: the core generator's scaled dropout mask, then y = x * mask. */
public final class DropoutCpu {
    private DropoutCpu() {}

    public static void forward(float[] x, float[] y, float[] mask, float p, long seed, long stream, long start) {
        Generator.fillDropoutMask(seed, stream, start, 0, p, mask, 0, mask.length);
        for (int i = 0; i < x.length; i++) y[i] = x[i] * mask[i];
    }
}
