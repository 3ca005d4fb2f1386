package org.reformer4j.model.attention;

import org.reformer4j.core.DType;

/**
 * The rotary (layer) position table of reformer-pytorch's {@code FixedPositionalEmbedding(dim_head)} as
 * LSH attention uses it (R:637-664): angle {@code p * invFreq[i]} for pair i of position p, sin and cos
 * laid out [T * dh/2]. The angle and its sine are rounded to float32 in a float32 model, as torch computes
 * them there.
 */
public record RotaryTable(int length, int dimHead, double[] sin, double[] cos) {
    /** The table for positions [0, length) from the buffer {@code inv_freq} [dh/2]. */
    public static RotaryTable of(double[] invFreq, int length, DType dtype) {
        int half = invFreq.length;
        boolean f32 = dtype == DType.F32;
        double[] s = new double[length * half], c = new double[length * half];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < half; i++) {
                double a = Arrays2.round(f32, p * invFreq[i]);
                s[p * half + i] = Arrays2.round(f32, Math.sin(a));
                c[p * half + i] = Arrays2.round(f32, Math.cos(a));
            }
        }
        return new RotaryTable(length, 2 * half, s, c);
    }

    /** {@code 1 / 10000^(2i/dh)} for i < dh/2, computed in float32 as torch does (R:639). */
    public static float[] inverseFrequencies(int dim) {
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / (float) Math.pow(10000.0, (float) (2 * i) / (float) dim));
        return f;
    }
}
