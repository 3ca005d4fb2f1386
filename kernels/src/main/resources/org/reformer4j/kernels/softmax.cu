// softmax.cu - softmax and log-softmax over the last dimension of a contiguous [rows, cols] float32 matrix,
// forward and backward (torch.softmax / torch.log_softmax, dim=-1): y = exp(x - max) / sum exp(x - max),
// log y = x - max - log(sum exp(x - max)); backward dx = y (dy - sum(dy y)), log: dx = dy - exp(ly) sum(dy).
// `log` selects log-softmax. Twin: SoftmaxCpu.
// Versions: v1 - one block of 256 threads per row (three passes over the row: max, sum, write);
//           v2 - one warp per row, 8 rows per block, shuffles only.
#include "block_reduce.cuh"

extern "C" __global__ void softmax_forward_v1(const float* __restrict__ x, float* __restrict__ y, int rows, int cols,
                                              int log) {
    long long base = (long long) blockIdx.x * cols;
    float m = R4J_NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, x[base + j]);
    m = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(x[base + j] - m);
    s = block_sum(s);
    float ls = logf(s);
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        y[base + j] = log ? x[base + j] - m - ls : expf(x[base + j] - m) / s;
}

extern "C" __global__ void softmax_forward_v2(const float* __restrict__ x, float* __restrict__ y, int rows, int cols,
                                              int log) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    long long base = (long long) row * cols;
    float m = R4J_NEG_INF;
    for (int j = lane; j < cols; j += 32) m = fmaxf(m, x[base + j]);
    m = warp_max(m);
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += expf(x[base + j] - m);
    s = warp_sum(s);
    float ls = logf(s);
    for (int j = lane; j < cols; j += 32) y[base + j] = log ? x[base + j] - m - ls : expf(x[base + j] - m) / s;
}

extern "C" __global__ void softmax_backward_v1(const float* __restrict__ y, const float* __restrict__ dy,
                                               float* __restrict__ dx, int rows, int cols, int log) {
    long long base = (long long) blockIdx.x * cols;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += log ? dy[base + j] : dy[base + j] * y[base + j];
    s = block_sum(s);
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        dx[base + j] = log ? dy[base + j] - expf(y[base + j]) * s : y[base + j] * (dy[base + j] - s);
}

extern "C" __global__ void softmax_backward_v2(const float* __restrict__ y, const float* __restrict__ dy,
                                               float* __restrict__ dx, int rows, int cols, int log) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    long long base = (long long) row * cols;
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += log ? dy[base + j] : dy[base + j] * y[base + j];
    s = warp_sum(s);
    for (int j = lane; j < cols; j += 32)
        dx[base + j] = log ? dy[base + j] - expf(y[base + j]) * s : y[base + j] * (dy[base + j] - s);
}
