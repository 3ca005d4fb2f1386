// emu_selftest.cu - kernels that exercise each CUDA built-in the emulator provides (barriers, shuffles,
// votes, atomics, shared and dynamic shared memory, 3-D launch geometry, __trap, a divergent barrier).
// EmulatorTest launches them and checks the results against plain Java loops; the same file compiles for
// sm_90 with nvcc, so the semantics tested are CUDA's. Version 1 of each kernel is the only one.

// out[i] = linear global index of thread i, plus the geometry of the launch, packed per thread:
// {threadIdx.xyz, blockIdx.xyz, blockDim.xyz, gridDim.xyz}.
extern "C" __global__ void geometry(int* out) {
    unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    unsigned tid = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    int* o = out + 12 * (block * blockDim.x * blockDim.y * blockDim.z + tid);
    o[0] = threadIdx.x; o[1] = threadIdx.y; o[2] = threadIdx.z;
    o[3] = blockIdx.x; o[4] = blockIdx.y; o[5] = blockIdx.z;
    o[6] = blockDim.x; o[7] = blockDim.y; o[8] = blockDim.z;
    o[9] = gridDim.x; o[10] = gridDim.y; o[11] = gridDim.z;
}

// Per-block sum of n floats by a shared-memory tree (static shared) and a dynamic-shared copy of the input.
extern "C" __global__ void block_sum(const float* in, float* out, int n) {
    __shared__ float partial[1024];
    DYNAMIC_SHARED(float, staged);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    staged[threadIdx.x] = i < n ? in[i] : 0.0f;
    __syncthreads();
    partial[threadIdx.x] = staged[blockDim.x - 1 - threadIdx.x];
    __syncthreads();
    for (unsigned s = 512; s > 0; s >>= 1) {
        if (threadIdx.x < s && threadIdx.x + s < blockDim.x) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}

// Warp sums two ways (xor butterfly and shift-down), a broadcast from lane 3 of each 16-lane segment, an
// inclusive scan with __shfl_up_sync, and the ballot of odd values. One int output row of 5 per thread.
extern "C" __global__ void warp_ops(const int* in, int* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = i < n ? in[i] : 0;
    int x = v;
    for (int m = 16; m > 0; m >>= 1) x += __shfl_xor_sync(0xffffffffu, x, m);
    int d = v;
    for (int m = 16; m > 0; m >>= 1) d += __shfl_down_sync(0xffffffffu, d, m);
    int b = __shfl_sync(0xffffffffu, v, 3, 16);
    int s = v;
    for (int m = 1; m < 32; m <<= 1) {
        int t = __shfl_up_sync(0xffffffffu, s, m);
        if ((threadIdx.x & 31) >= (unsigned) m) s += t;
    }
    unsigned odd = __ballot_sync(0xffffffffu, v & 1);
    if (i < n) {
        out[5 * i] = x; out[5 * i + 1] = d; out[5 * i + 2] = b; out[5 * i + 3] = s; out[5 * i + 4] = (int) odd;
    }
}

// Device-wide atomics across blocks: float sum, int count, int max, and the float max of the prelude.
extern "C" __global__ void atomics(const float* in, int n, float* sum, int* count, int* maxBits, float* fmax) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    atomicAdd(sum, in[i]);
    atomicAdd(count, 1);
    atomicMax(maxBits, (int) (in[i] * 1000.0f));
    r4j_atomic_max_float(fmax, in[i]);
}

// Half of warp 0 waits in a full-warp shuffle while the other half waits at __syncthreads: undefined (a
// hang) on a GPU, an error naming the deadlock on the emulator. Only launched on the emulator.
extern "C" __global__ void divergent_barrier(int* out) {
    if (threadIdx.x < 16) out[threadIdx.x] = __shfl_sync(0xffffffffu, (int) threadIdx.x, 0);
    else __syncthreads();
}

extern "C" __global__ void trap_if(const int* flag) {
    if (*flag != 0 && threadIdx.x == 7) __trap();
}
