// batched_gemm.cu - float64 batched matrix product for the CUDA backend's matmul (cuBLAS serves float32):
// out[t] = a[t] @ b[t] for t < batch, a [m, k] read at a[t*sa + i*rsa + p*csa], b [k, n] at
// b[t*sb + p*rsb + j*csb] (any strides, 0 included), out contiguous [batch, m, n]. The sum over p runs in
// order, as the CPU's reference dgemm loop does. Twin: BatchedGemmCpu (the CPU backend's matmul).
// Versions: v1 - one thread per output element, grid-stride over batch*m*n.
#include "tensor_common.cuh"

extern "C" __global__ void gemm_f64_v1(const double* __restrict__ a, long long sa, long long rsa, long long csa,
                                       const double* __restrict__ b, long long sb, long long rsb, long long csb,
                                       double* __restrict__ out, long long batch, long long m, long long n,
                                       long long k) {
    long long total = batch * m * n, step = (long long) blockDim.x * gridDim.x;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += step) {
        long long t = e / (m * n), rest = e - t * m * n, i = rest / n, j = rest - i * n;
        const double* ar = a + t * sa + i * rsa;
        const double* bc = b + t * sb + j * csb;
        double s = 0;
        for (long long p = 0; p < k; ++p) s += ar[p * csa] * bc[p * rsb];
        out[e] = s;
    }
}
