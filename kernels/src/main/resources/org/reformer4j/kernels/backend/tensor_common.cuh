// tensor_common.cuh - what the CUDA backend's kernels share: the strided geometry of up to four operands
// over one index space (Geometry, filled by the Java class Geometry), the dtype codes (the ordinals of
// org.reformer4j.core.DType), Java's float -> int conversions, and float/double overloads of the math
// functions so that one template serves float32 and float64. No system headers (NVRTC has none).
#pragma once

#define R4J_DIMS 8
#define R4J_OPERANDS 4

enum { DT_F32 = 0, DT_F64 = 1, DT_I32 = 2, DT_I64 = 3, DT_BOOL = 4 };

// Row-major index space `shape` (ndim >= 1 axes) and, per operand, its element stride along each axis.
struct Geometry {
    long long ndim;
    long long shape[R4J_DIMS];
    long long stride[R4J_OPERANDS][R4J_DIMS];
};

// Element offsets of linear index i for the first `nops` operands.
__device__ inline void geometry_offsets(const Geometry& g, long long i, int nops, long long* off) {
    for (int k = 0; k < nops; ++k) off[k] = 0;
    for (int d = (int) g.ndim - 1; d >= 0; --d) {
        long long size = g.shape[d], c = i % size;
        i /= size;
        for (int k = 0; k < nops; ++k) off[k] += c * g.stride[k][d];
    }
}

__device__ inline double r4j_nan() {
    double z = 0.0;
    return z / z;
}

__device__ inline bool r4j_isnan(double x) { return x != x; }

// Java's (long) d and (int) d: NaN -> 0, out of range -> the nearest bound, else toward zero.
__device__ inline long long java_d2l(double d) {
    if (d != d) return 0;
    if (d >= 9223372036854775807.0) return 9223372036854775807LL;
    if (d <= -9223372036854775808.0) return -9223372036854775807LL - 1;
    return (long long) d;
}

__device__ inline int java_d2i(double d) {
    if (d != d) return 0;
    if (d >= 2147483647.0) return 2147483647;
    if (d <= -2147483648.0) return -2147483647 - 1;
    return (int) d;
}

// float and double overloads of the math library (expf / exp ...).
__device__ inline float m_exp(float x) { return expf(x); }
__device__ inline double m_exp(double x) { return exp(x); }
__device__ inline float m_log(float x) { return logf(x); }
__device__ inline double m_log(double x) { return log(x); }
__device__ inline float m_sqrt(float x) { return sqrtf(x); }
__device__ inline double m_sqrt(double x) { return sqrt(x); }
__device__ inline float m_abs(float x) { return fabsf(x); }
__device__ inline double m_abs(double x) { return fabs(x); }
__device__ inline float m_tanh(float x) { return tanhf(x); }
__device__ inline double m_tanh(double x) { return tanh(x); }
__device__ inline float m_erf(float x) { return erff(x); }
__device__ inline double m_erf(double x) { return erf(x); }
__device__ inline float m_erfc(float x) { return erfcf(x); }
__device__ inline double m_erfc(double x) { return erfc(x); }
__device__ inline float m_sin(float x) { return sinf(x); }
__device__ inline double m_sin(double x) { return sin(x); }
__device__ inline float m_cos(float x) { return cosf(x); }
__device__ inline double m_cos(double x) { return cos(x); }
__device__ inline float m_pow(float x, float y) { return powf(x, y); }
__device__ inline double m_pow(double x, double y) { return pow(x, y); }

// Loads element i of a tensor of dtype dt as a double (bool: 1 or 0).
__device__ inline double load_as_double(int dt, const void* p, long long i) {
    switch (dt) {
        case DT_F32: return (double) ((const float*) p)[i];
        case DT_F64: return ((const double*) p)[i];
        case DT_I32: return (double) ((const int*) p)[i];
        case DT_I64: return (double) ((const long long*) p)[i];
        default: return ((const unsigned char*) p)[i] ? 1.0 : 0.0;
    }
}

// Block-wide reductions for blockDim.x a power of two in [32, 1024]; every thread gets the result.
// `op`: 0 sum, 1 max (NaN wins), 2 min (NaN wins), 3 product.
template <class T> __device__ inline T combine(int op, T a, T b) {
    switch (op) {
        case 0: return a + b;
        case 1: return (a != a || a > b) ? a : b;
        case 2: return (a != a || a < b) ? a : b;
        default: return a * b;
    }
}

template <class T> __device__ inline T block_reduce(int op, T v) {
    __shared__ T partial[32];
    for (int m = 16; m > 0; m >>= 1) v = combine(op, v, __shfl_xor_sync(0xffffffffu, v, m));
    unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    T r = partial[0];
    for (unsigned w = 1; w < warps; ++w) r = combine(op, r, partial[w]);
    __syncthreads();  // the next call may overwrite partial
    return r;
}
