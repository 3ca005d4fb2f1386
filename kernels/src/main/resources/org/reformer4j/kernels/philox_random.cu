// philox_random.cu - float32 uniform [0,1) and standard normal fills from Philox-4x32-10, the same numbers as
// org.reformer4j.core.random.Generator.fillUniform / fillNormal for the same (seed, stream, start block):
// element e is lane e%4 of block start + e/4; normals use Box-Muller on lane pairs (0,1) and (2,3) in float64
// (philox.cuh). Twin: PhiloxRandomCpu (which calls the core generator).
// Versions: v1 - one thread per Philox block (four elements), grid-stride over the blocks.
#include "philox.cuh"

extern "C" __global__ void uniform_v1(float* __restrict__ out, long long n, unsigned long long seed,
                                      unsigned long long stream, unsigned long long start) {
    long long blocks = (n + 3) / 4, step = (long long) blockDim.x * gridDim.x;
    for (long long b = (long long) blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += step) {
        PhiloxWords w = philox_block(seed, stream, start + (unsigned long long) b);
        for (int lane = 0; lane < 4 && 4 * b + lane < n; ++lane) out[4 * b + lane] = philox_uniform24(w.x[lane]);
    }
}

extern "C" __global__ void normal_v1(float* __restrict__ out, long long n, unsigned long long seed,
                                     unsigned long long stream, unsigned long long start) {
    long long blocks = (n + 3) / 4, step = (long long) blockDim.x * gridDim.x;
    for (long long b = (long long) blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += step) {
        PhiloxWords w = philox_block(seed, stream, start + (unsigned long long) b);
        for (int lane = 0; lane < 4 && 4 * b + lane < n; ++lane)
            out[4 * b + lane] = philox_normal_pair(w.x[lane & 2], w.x[(lane & 2) + 1], lane & 1);
    }
}
