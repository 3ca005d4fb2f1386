package org.reformer4j.core.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of the float32 Adam/AdamW loop of {@link OptimMath#adam} (torch {@code _single_tensor_adam}):
 * the same IEEE operations in the same order, each rounded to float32 (no fused multiply-add), so every
 * lane equals the scalar loop bit for bit. Loaded only when {@code VectorSupport.ENABLED}.
 */
final class AdamVector {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private AdamVector() {}

    /** Updates elements [from, up) with up = from + a multiple of the vector length; returns up. */
    static int adam(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int from, int to,
                    boolean maximize, boolean shrink, float decay, boolean l2, float wd,
                    float b1, float a1, float b2, float a2, float bc2, float eps, float negStep) {
        int up = from + S.loopBound(to - from);
        for (int i = from; i < up; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, go + i);
            if (maximize) gi = gi.neg();
            FloatVector pi = FloatVector.fromArray(S, p, po + i);
            if (shrink) pi = pi.mul(decay);
            if (l2) gi = gi.add(pi.mul(wd));
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(a1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(a2).mul(gi));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector vd = vi;
            if (vmax != null) {
                vd = FloatVector.fromArray(S, vmax, i).max(vi);
                vd.intoArray(vmax, i);
            }
            FloatVector denom = vd.sqrt().div(bc2).add(eps);
            pi.add(mi.div(denom).mul(negStep)).intoArray(p, po + i);
        }
        return up;
    }
}
