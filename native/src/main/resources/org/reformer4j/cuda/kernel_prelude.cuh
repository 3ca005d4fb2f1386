// kernel_prelude.cuh - force-included before every .cu kernel file, by NVRTC (--pre-include), by nvcc
// (-include) and by the emulator's g++ (-include). Under a CUDA compiler it only adds the few macros our
// kernels share; under a host C++ compiler it pulls in cuda_emu.h, which defines the CUDA built-ins.
// Kernel files include no system headers (NVRTC has none), and declare kernels as
// `extern "C" __global__ void name(...)` so that both loaders find them by their plain name.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
// Dynamic shared memory: the launch's sharedBytes, as an array of T named `name`.
#define DYNAMIC_SHARED(T, name) extern __shared__ __align__(16) T name[]
#else
#include "cuda_emu.h"
#endif

// float atomic max, built on atomicCAS so that it means the same on every device: returns the old value.
__device__ inline float r4j_atomic_max_float(float* addr, float value) {
    int* bits = reinterpret_cast<int*>(addr);
    int old = *bits;
    while (__int_as_float(old) < value) {
        int seen = atomicCAS(bits, old, __float_as_int(value));
        if (seen == old) break;
        old = seen;
    }
    return __int_as_float(old);
}
