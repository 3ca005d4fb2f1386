// reduce.cu - sum and max over the last dimension of a contiguous [rows, cols] float32 matrix
// (torch.sum(x, -1), torch.max(x, -1) with indices). max: NaN wins (torch propagates it), ties and NaNs go to
// the smallest index. Twin: ReduceCpu.
// Versions: v1 - one block of 256 threads per row, strided loads, warp shuffles then shared memory;
//           v2 - one warp per row (8 rows per 256-thread block), shuffles only: better for short rows.
#include "block_reduce.cuh"

// (value, index) order of max: NaN first, then larger, then smaller index.
__device__ inline bool max_before(float v, int i, float w, int j) {
    bool vn = v != v, wn = w != w;
    if (vn != wn) return vn;
    if (!vn && v != w) return v > w;
    return i < j;
}

extern "C" __global__ void sum_lastdim_v1(const float* __restrict__ x, float* __restrict__ out, int rows, int cols) {
    int row = blockIdx.x;
    const float* xr = x + (long long) row * cols;
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j];
    s = block_sum(s);
    if (threadIdx.x == 0) out[row] = s;
}

extern "C" __global__ void sum_lastdim_v2(const float* __restrict__ x, float* __restrict__ out, int rows, int cols) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;  // whole warps leave together: the shuffles below stay full-warp
    const float* xr = x + (long long) row * cols;
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += xr[j];
    s = warp_sum(s);
    if (lane == 0) out[row] = s;
}

__device__ inline void warp_argmax(float& v, int& i) {
    for (int m = 16; m > 0; m >>= 1) {
        float w = __shfl_xor_sync(0xffffffffu, v, m);
        int j = __shfl_xor_sync(0xffffffffu, i, m);
        if (max_before(w, j, v, i)) { v = w; i = j; }
    }
}

extern "C" __global__ void max_lastdim_v1(const float* __restrict__ x, float* __restrict__ out, int* __restrict__ idx,
                                          int rows, int cols) {
    __shared__ float vals[32];
    __shared__ int inds[32];
    int row = blockIdx.x;
    const float* xr = x + (long long) row * cols;
    float v = R4J_NEG_INF;
    int i = 0x7fffffff;
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        if (max_before(xr[j], j, v, i)) { v = xr[j]; i = j; }
    warp_argmax(v, i);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { vals[warp] = v; inds[warp] = i; }
    __syncthreads();
    if (warp == 0) {
        v = lane < (int) (blockDim.x >> 5) ? vals[lane] : R4J_NEG_INF;
        i = lane < (int) (blockDim.x >> 5) ? inds[lane] : 0x7fffffff;
        warp_argmax(v, i);
        if (lane == 0) { out[row] = v; idx[row] = i; }
    }
}

extern "C" __global__ void max_lastdim_v2(const float* __restrict__ x, float* __restrict__ out, int* __restrict__ idx,
                                          int rows, int cols) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* xr = x + (long long) row * cols;
    float v = R4J_NEG_INF;
    int i = 0x7fffffff;
    for (int j = lane; j < cols; j += 32)
        if (max_before(xr[j], j, v, i)) { v = xr[j]; i = j; }
    warp_argmax(v, i);
    if (lane == 0) { out[row] = v; idx[row] = i; }
}
