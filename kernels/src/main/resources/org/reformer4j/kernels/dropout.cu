// dropout.cu - dropout with a replayable mask (torch.nn.functional.dropout, training mode): element e is kept
// iff its Philox float32 uniform (philox.cuh; Generator.fillKeepMask) is >= p; y = x * mask with mask =
// keep ? 1/(1-p) : 0, exactly Generator.fillDropoutMask, so a reversible layer's recomputation and the CPU
// draw the same mask. The mask is written too (the backward is dy * mask). Twin: DropoutCpu.
// Versions: v1 - one thread per Philox block (four elements), grid-stride over the blocks.
#include "philox.cuh"

extern "C" __global__ void dropout_forward_v1(const float* __restrict__ x, float* __restrict__ y,
                                              float* __restrict__ mask, long long n, float p, float scale,
                                              unsigned long long seed, unsigned long long stream,
                                              unsigned long long start) {
    long long blocks = (n + 3) / 4, step = (long long) blockDim.x * gridDim.x;
    for (long long b = (long long) blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += step) {
        PhiloxWords w = philox_block(seed, stream, start + (unsigned long long) b);
        for (int lane = 0; lane < 4 && 4 * b + lane < n; ++lane) {
            long long e = 4 * b + lane;
            float m = philox_uniform24(w.x[lane]) >= p ? scale : 0.0f;
            mask[e] = m;
            y[e] = x[e] * m;
        }
    }
}
