package org.reformer4j.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.reformer4j.core.cpu.Sgemm;

/**
 * The emulator's stand-in for cuBLAS: column-major strided-batched SGEMM, C = alpha*op(A)*op(B) + beta*C,
 * with the exact argument meaning of {@code cublasSgemmStridedBatched}, computed by the CPU backend's
 * {@link Sgemm} on array copies. A column-major C (m x n, ldc) is a row-major C^T (n x m, ldc), and
 * C^T = op(B)^T op(A)^T, so the call swaps the operands and expresses the transposes as strides.
 */
final class HostGemm {
    private HostGemm() {}

    static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
            MemorySegment a, int lda, long strideA, MemorySegment b, int ldb, long strideB, float beta,
            MemorySegment c, int ldc, long strideC, int batch) {
        int spanA = lda * (transA ? m : k), spanB = ldb * (transB ? k : n), spanC = ldc * n;
        float[] ha = new float[spanA], hb = new float[spanB], hc = new float[spanC];
        for (int q = 0; q < batch; q++) {
            read(a, q * strideA, ha);
            read(b, q * strideB, hb);
            read(c, q * strideC, hc);  // also keeps the padding rows between columns as they were
            // op(B)^T is n x k: element (j, p) = opB(p, j); op(A)^T is k x m: element (p, i) = opA(i, p).
            int rsX = transB ? 1 : ldb, csX = transB ? ldb : 1;
            int rsY = transA ? 1 : lda, csY = transA ? lda : 1;
            Sgemm.sgemm(n, m, k, alpha, hb, 0, rsX, csX, ha, 0, rsY, csY, beta, hc, 0, ldc);
            MemorySegment.copy(hc, 0, c, ValueLayout.JAVA_FLOAT, 4 * q * strideC, spanC - (ldc - m));
        }
    }

    private static void read(MemorySegment s, long firstFloat, float[] into) {
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, 4 * firstFloat, into, 0, into.length);
    }
}
