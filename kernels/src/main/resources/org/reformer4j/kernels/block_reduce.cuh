// block_reduce.cuh - sums and maxima across a warp and across a block (blockDim.x a multiple of 32, at most
// 1024), shared by the row kernels (reduce, softmax, layer_norm, cross_entropy). Every thread of the block
// must call these (they hold __syncthreads); every thread gets the result. The order of the additions is a
// butterfly, so a block sum differs from a sequential one by float32 rounding only.
#pragma once

#define R4J_NEG_INF (__int_as_float((int) 0xff800000u))

__device__ inline float warp_sum(float v) {
    for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
    return v;
}

__device__ inline float warp_max(float v) {
    for (int m = 16; m > 0; m >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, m));
    return v;
}

__device__ inline float block_sum(float v) {
    __shared__ float partial[32];
    __shared__ float total;
    v = warp_sum(v);
    unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float w = lane < (blockDim.x >> 5) ? partial[lane] : 0.0f;
        w = warp_sum(w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    float r = total;
    __syncthreads();  // the next call may overwrite partial and total
    return r;
}

__device__ inline float block_max(float v) {
    __shared__ float partial[32];
    __shared__ float total;
    v = warp_max(v);
    unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float w = lane < (blockDim.x >> 5) ? partial[lane] : R4J_NEG_INF;
        w = warp_max(w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    float r = total;
    __syncthreads();
    return r;
}
