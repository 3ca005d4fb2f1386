package org.reformer4j.kernels;

/**
 * CPU twin of adam.cu on float[], each intermediate rounded to float in torch's order (the loop of core's
 * OptimMath.adam): with IEEE float arithmetic on both sides and no fused multiply-add in the kernel, the
 * results are bit for bit the same.
 */
public final class AdamCpu {
    private AdamCpu() {}

    public static void step(Adam.Step s, float[] p, float[] g, float[] m, float[] v, float[] vmax, int n) {
        float[] c = s.scalars();
        float b1 = c[0], b2 = c[1], a1 = c[2], a2 = c[3], negStep = c[4], bc2 = c[5], eps = c[6], wd = c[7], decay = c[8];
        int flags = s.flags();
        for (int i = 0; i < n; i++) {
            float gi = (flags & 4) != 0 ? -g[i] : g[i];
            float pi = p[i];
            if ((flags & 2) != 0) pi = pi * decay;
            if ((flags & 1) != 0) gi = gi + wd * pi;
            float mi = m[i] * b1 + a1 * gi;
            float vi = v[i] * b2 + a2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float vd = vi;
            if (vmax != null) {
                vd = Math.max(vmax[i], vi);
                vmax[i] = vd;
            }
            float denom = (float) Math.sqrt(vd) / bc2 + eps;
            p[i] = pi + negStep * (mi / denom);
        }
    }
}
