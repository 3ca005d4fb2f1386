package org.reformer4j.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The emulator's stand-in for cuBLAS: column-major strided-batched SGEMM, C = alpha*op(A)*op(B) + beta*C,
 * with the exact argument meaning of {@code cublasSgemmStridedBatched}. A plain correct loop (float
 * accumulation in k order, like the reference BLAS); the emulator is a test device, not a fast path.
 */
final class HostGemm {
    private HostGemm() {}

    static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
            MemorySegment a, int lda, long strideA, MemorySegment b, int ldb, long strideB, float beta,
            MemorySegment c, int ldc, long strideC, int batch) {
        float[] opA = new float[m * k], opB = new float[k * n];
        for (int q = 0; q < batch; q++) {
            long aBase = q * strideA, bBase = q * strideB, cBase = q * strideC;
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                    opA[i * k + p] = get(a, aBase + (transA ? p + (long) i * lda : i + (long) p * lda));
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    opB[p * n + j] = get(b, bBase + (transB ? j + (long) p * ldb : p + (long) j * ldb));
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++) {
                    float acc = 0f;
                    for (int p = 0; p < k; p++) acc += opA[i * k + p] * opB[p * n + j];
                    long at = cBase + i + (long) j * ldc;
                    float old = beta == 0f ? 0f : beta * get(c, at);  // beta == 0 ignores NaN in C, as cuBLAS does
                    c.setAtIndex(ValueLayout.JAVA_FLOAT, at, alpha * acc + old);
                }
        }
    }

    private static float get(MemorySegment s, long index) {
        return s.getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }
}
