package org.reformer4j.kernels.backend;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * batched_gemm.cu against BatchedGemmCpu (the CPU's float64 GEMM): batches of 0, 1 and 3 products, sizes
 * with zeros and odd values, transposed operands and a shared (batch stride 0) operand.
 */
class BatchedGemmTest {
    @Test
    void float64ProductsMatchTheCpu() {
        Device cuda = Cases.cuda();
        Random r = new Random(14);
        int[][] sizes = {{1, 1, 1, 1}, {3, 5, 7, 3}, {0, 2, 2, 2}, {2, 0, 3, 4}, {2, 3, 0, 4}, {2, 4, 3, 0}, {3, 17, 9, 33}};
        for (int[] s : sizes) {
            int batch = s[0], m = s[1], k = s[2], n = s[3];
            Tensor a = Cases.random(r, DType.F64, batch, k, m), b = Cases.random(r, DType.F64, n, k);
            Tensor at = a.transpose(1, 2), bs = b.t().unsqueeze(0).expand(batch, k, n);  // transposed, shared
            Tensor da = a.to(cuda).transpose(1, 2), db = b.to(cuda).t().unsqueeze(0).expand(batch, k, n);
            Tensor want = Tensor.zeros(new int[] {batch, m, n}, DType.F64, Device.CPU);
            Tensor got = Tensor.full(new int[] {batch, m, n}, 7, DType.F64, cuda);
            BatchedGemmCpu.gemm(at, bs, want);
            BatchedGemm.gemmF64(da, db, got);
            Cases.close("dgemm " + java.util.Arrays.toString(s), want, got, 1e-12, 1e-12);
        }
    }
}
