package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;

/** CPU twin of batched_gemm.cu: the CPU backend's matmul (Sgemm.dgemmBatched in float64). CPU tensors. */
public final class BatchedGemmCpu {
    private BatchedGemmCpu() {}

    public static void gemm(Tensor a, Tensor b, Tensor out) {
        Backends.cpu().matmul(a, b, out);
    }
}
