// layer_norm.cu - layer normalisation over the last dimension of a contiguous [rows, cols] float32 matrix
// (torch.nn.functional.layer_norm with normalized_shape = [cols]): mean, biased variance, rstd =
// 1/sqrt(var + eps), y = (x - mean) * rstd * gamma + beta; gamma/beta may be null (1 and 0). Backward:
// dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy gamma; dgamma = sum_rows dy xhat, dbeta = sum_rows dy.
// Twin: LayerNormCpu.
// Versions: v1 - forward and dx one block per row (two-pass mean/variance); dgamma/dbeta one thread per
//           column looping over the rows in order (deterministic, no atomics).
#include "block_reduce.cuh"

extern "C" __global__ void layer_norm_forward_v1(const float* __restrict__ x, const float* __restrict__ gamma,
                                                 const float* __restrict__ beta, float* __restrict__ y,
                                                 float* __restrict__ mean, float* __restrict__ rstd, int rows,
                                                 int cols, float eps) {
    long long base = (long long) blockIdx.x * cols;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += x[base + j];
    float mu = block_sum(s) / cols;
    float q = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = x[base + j] - mu;
        q += d * d;
    }
    float rs = 1.0f / sqrtf(block_sum(q) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float v = (x[base + j] - mu) * rs;
        if (gamma) v = v * gamma[j];
        if (beta) v = v + beta[j];
        y[base + j] = v;
    }
    if (threadIdx.x == 0) { mean[blockIdx.x] = mu; rstd[blockIdx.x] = rs; }
}

extern "C" __global__ void layer_norm_backward_v1(const float* __restrict__ dy, const float* __restrict__ x,
                                                  const float* __restrict__ mean, const float* __restrict__ rstd,
                                                  const float* __restrict__ gamma, float* __restrict__ dx, int rows,
                                                  int cols) {
    long long base = (long long) blockIdx.x * cols;
    float mu = mean[blockIdx.x], rs = rstd[blockIdx.x];
    float sg = 0.0f, sgx = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float g = gamma ? __fmul_rn(dy[base + j], gamma[j]) : dy[base + j]; // rounded: no FMA into g - mg
        sg += g;
        sgx += g * ((x[base + j] - mu) * rs);
    }
    float mg = block_sum(sg) / cols, mgx = block_sum(sgx) / cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float g = gamma ? __fmul_rn(dy[base + j], gamma[j]) : dy[base + j]; // rounded: no FMA into g - mg
        float xhat = (x[base + j] - mu) * rs;
        dx[base + j] = rs * (g - mg - xhat * mgx);
    }
}

extern "C" __global__ void layer_norm_backward_params_v1(const float* __restrict__ dy, const float* __restrict__ x,
                                                         const float* __restrict__ mean,
                                                         const float* __restrict__ rstd, float* __restrict__ dgamma,
                                                         float* __restrict__ dbeta, int rows, int cols) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    float sg = 0.0f, sb = 0.0f;
    for (int r = 0; r < rows; ++r) {
        float d = dy[(long long) r * cols + j];
        sg += d * ((x[(long long) r * cols + j] - mean[r]) * rstd[r]);
        sb += d;
    }
    if (dgamma) dgamma[j] = sg;
    if (dbeta) dbeta[j] = sb;
}
