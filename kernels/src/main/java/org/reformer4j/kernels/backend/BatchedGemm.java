package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of batched_gemm.cu: float64 {@code out[t] = a[t] @ b[t]} for CUDA tensors a [batch, m, k],
 * b [batch, k, n] of any strides and out contiguous [batch, m, n] (Backend.matmul in float64; float32 goes
 * to cuBLAS through {@link CublasMatmul}). CPU twin: {@link BatchedGemmCpu}.
 */
public final class BatchedGemm {
    static final KernelSource SOURCE = KernelSource.load(BatchedGemm.class, "batched_gemm.cu");

    private BatchedGemm() {}

    public static void gemmF64(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != DType.F64 || b.dtype() != DType.F64 || out.dtype() != DType.F64)
            throw new IllegalArgumentException("matmul (float64 kernel): dtypes " + a.dtype() + ", " + b.dtype()
                    + " -> " + out.dtype());
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        long total = (long) batch * m * n;
        if (total == 0) return;
        int[] as = a.strides(), bs = b.strides();
        CudaRuntime rt = DeviceTensors.runtime("matmul", out);
        KernelArgs args = KernelArgs.of();
        DeviceTensors.ptr(args, "matmul", a).i64(batch == 1 ? 0 : as[0]).i64(as[1]).i64(as[2]);
        DeviceTensors.ptr(args, "matmul", b).i64(batch == 1 ? 0 : bs[0]).i64(bs[1]).i64(bs[2]);
        DeviceTensors.ptr(args, "matmul", out).i64(batch).i64(m).i64(n).i64(k);
        DeviceTensors.function(rt, SOURCE, "gemm_f64_v1").launch(DeviceTensors.grid(total),
                org.reformer4j.cuda.Dim3.of(DeviceTensors.BLOCK), 0, args);
    }
}
