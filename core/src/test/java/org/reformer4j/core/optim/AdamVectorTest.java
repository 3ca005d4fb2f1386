package org.reformer4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.random.Generator;

/**
 * The float32 Adam/AdamW update (vector body and scalar tail, whichever runs) against torch's
 * {@code _single_tensor_adam} written out element by element in float32, bit for bit, for every switch
 * (maximize, L2 or decoupled weight decay, AMSGrad) and a length that is no multiple of the vector width.
 */
class AdamVectorTest {
    @Test
    void float32AdamEqualsTheElementwiseRecurrenceBitForBit() {
        int n = 1003;
        for (int mode = 0; mode < 8; mode++) {
            boolean maximize = (mode & 1) != 0, amsgrad = (mode & 2) != 0, decoupled = (mode & 4) != 0;
            var step = new OptimMath.AdamStep(1e-3, 0.9, 0.999, 1e-8, 0.01, decoupled, amsgrad, maximize, 3);
            float[] p = new float[n], g = new float[n], m = new float[n], v = new float[n];
            new Generator(5, mode).normal(p);
            new Generator(6, mode).normal(g);
            new Generator(7, mode).normal(m);
            new Generator(8, mode).uniform(v);
            float[] vmax = amsgrad ? v.clone() : null;
            float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone(), vmax2 = vmax == null ? null : vmax.clone();
            OptimMath.adam(step, p, 0, g, 0, m, v, vmax, n);
            float b1 = 0.9f, b2 = 0.999f, a1 = (float) (1 - 0.9), a2 = (float) (1 - 0.999);
            float negStep = (float) -(1e-3 / (1 - Math.pow(0.9, 3))), bc2 = (float) Math.sqrt(1 - Math.pow(0.999, 3));
            float eps = 1e-8f, wd = 0.01f, decay = (float) (1 - 1e-3 * 0.01);
            for (int i = 0; i < n; i++) {
                float gi = maximize ? -g[i] : g[i];
                float pi = p2[i];
                if (decoupled) pi = pi * decay;
                else gi = gi + wd * pi;
                float mi = m2[i] * b1 + a1 * gi, vi = v2[i] * b2 + a2 * gi * gi;
                float vd = amsgrad ? Math.max(vmax2[i], vi) : vi;
                float want = pi + negStep * (mi / ((float) Math.sqrt(vd) / bc2 + eps));
                String what = "mode " + mode + " element " + i;
                assertEquals(Float.floatToIntBits(mi), Float.floatToIntBits(m[i]), "m, " + what);
                assertEquals(Float.floatToIntBits(vi), Float.floatToIntBits(v[i]), "v, " + what);
                if (amsgrad) assertEquals(Float.floatToIntBits(vd), Float.floatToIntBits(vmax[i]), "vmax, " + what);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(p[i]), "p, " + what);
            }
        }
    }
}
