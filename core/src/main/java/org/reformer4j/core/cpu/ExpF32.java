package org.reformer4j.core.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Core's float32 e^x (and its lane sum) for fused kernels outside core (the model's LSH chunk softmax): the scalar
 * {@link CpuElementwise#expF32} and its Vector API twin {@link CpuVector#exp}, which give the same bits, so a
 * kernel's vector loop, its scalar tail and its scalar fallback agree exactly. The vector form takes lanes of
 * {@link #SPECIES} and may only be called when {@link VectorSupport#ENABLED}.
 */
public final class ExpF32 {
    /** The float species of the vector form ({@code FloatVector.SPECIES_PREFERRED}). */
    public static final jdk.incubator.vector.VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private ExpF32() {}

    /** e^x in float32 (0 below -86.6, +inf above 88.72, NaN stays NaN). */
    public static float exp(float x) {
        return CpuElementwise.expF32(x);
    }

    /** e^x of each lane, bit for bit {@link #exp(float)}; lanes of {@link #SPECIES}. */
    public static FloatVector exp(FloatVector x) {
        return CpuVector.exp(x);
    }

    /**
     * Sum of the lanes in lane order, as core's row kernels add them ({@code reduceLanes(ADD)} leaves the order
     * open, and its compiled and interpreted forms differ in the last bits); lanes of {@link #SPECIES}.
     */
    public static float sumLanes(FloatVector v) {
        return CpuVector.sumLanes(v);
    }
}
