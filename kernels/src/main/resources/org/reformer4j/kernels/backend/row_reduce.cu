// row_reduce.cu - reductions over the rows of a contiguous [rows, cols] tensor (Backend.reduceRows and
// argReduceRows; torch.sum/mean/amax/amin/var(unbiased=False)/logsumexp/norm/prod over dim -1, and
// torch.argmax/argmin). Op codes are the ordinals of org.reformer4j.core.ReduceOp. Semantics of the CPU
// backend (CpuRows): MAX/MIN/arg propagate NaN (the first NaN wins the arg), ties go to the lowest index;
// VAR is two-pass (mean, then squared deviations) and divides by cols; LOGSUMEXP shifts by the row max
// unless that max is infinite or NaN; float32 NORM2 accumulates in float64. Integers: SUM/MAX/MIN exact.
// Twin: RowReduceCpu. Versions: v1 - one block per row (blockDim a power of two in [32, 256]), strided
// loads, warp shuffles then one shared slot per warp.
#include "tensor_common.cuh"

template <class T, class Acc> __device__ inline Acc row_fold(int op, const T* x, int cols, Acc init, Acc shift) {
    Acc v = init;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        Acc e = (Acc) x[j];
        if (op == 5) e = m_exp(e - shift);            // LOGSUMEXP terms
        else if (op == 4) e = (e - shift) * (e - shift);  // VAR terms
        else if (op == 6) e = e * e;                  // NORM2 terms
        v = combine(op == 2 ? 1 : op == 3 ? 2 : op == 7 ? 3 : 0, v, e);
    }
    return v;
}

template <class T> __device__ inline T row_reduce_float(int op, const T* x, int cols) {
    const T inf = (T) 1 / (T) 0;
    switch (op) {
        case 0: return block_reduce<T>(0, row_fold<T, T>(0, x, cols, (T) 0, (T) 0));             // SUM
        case 1: return block_reduce<T>(0, row_fold<T, T>(0, x, cols, (T) 0, (T) 0)) / (T) cols;  // MEAN
        case 2: return block_reduce<T>(1, row_fold<T, T>(2, x, cols, -inf, (T) 0));              // MAX
        case 3: return block_reduce<T>(2, row_fold<T, T>(3, x, cols, inf, (T) 0));               // MIN
        case 4: {                                                                                 // VAR
            T mean = block_reduce<T>(0, row_fold<T, T>(0, x, cols, (T) 0, (T) 0)) / (T) cols;
            return block_reduce<T>(0, row_fold<T, T>(4, x, cols, (T) 0, mean)) / (T) cols;
        }
        case 5: {                                                                                 // LOGSUMEXP
            T m = block_reduce<T>(1, row_fold<T, T>(2, x, cols, -inf, (T) 0));
            if (m != m || m == inf || m == -inf) m = 0;
            return m + m_log(block_reduce<T>(0, row_fold<T, T>(5, x, cols, (T) 0, m)));
        }
        case 6: return (T) sqrt(block_reduce<double>(0, row_fold<T, double>(6, x, cols, 0.0, 0.0)));  // NORM2
        case 7: return block_reduce<T>(3, row_fold<T, T>(7, x, cols, (T) 1, (T) 0));             // PROD
        default: return (T) r4j_nan();
    }
}

template <class T> __device__ inline T row_reduce_integral(int op, const T* x, int cols) {
    long long init = op == 2 ? (-9223372036854775807LL - 1) : op == 3 ? 9223372036854775807LL : 0;
    long long v = init;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) v = combine<long long>(op == 2 ? 1 : op == 3 ? 2 : 0, v, x[j]);
    return (T) block_reduce<long long>(op == 2 ? 1 : op == 3 ? 2 : 0, v);
}

extern "C" __global__ void reduce_rows_f32_v1(int op, const float* __restrict__ x, float* __restrict__ out, int rows,
                                              int cols) {
    float r = row_reduce_float<float>(op, x + (long long) blockIdx.x * cols, cols);
    if (threadIdx.x == 0) out[blockIdx.x] = r;
}

extern "C" __global__ void reduce_rows_f64_v1(int op, const double* __restrict__ x, double* __restrict__ out,
                                              int rows, int cols) {
    double r = row_reduce_float<double>(op, x + (long long) blockIdx.x * cols, cols);
    if (threadIdx.x == 0) out[blockIdx.x] = r;
}

extern "C" __global__ void reduce_rows_i32_v1(int op, const int* __restrict__ x, int* __restrict__ out, int rows,
                                              int cols) {
    int r = row_reduce_integral<int>(op, x + (long long) blockIdx.x * cols, cols);
    if (threadIdx.x == 0) out[blockIdx.x] = r;
}

extern "C" __global__ void reduce_rows_i64_v1(int op, const long long* __restrict__ x, long long* __restrict__ out,
                                              int rows, int cols) {
    long long r = row_reduce_integral<long long>(op, x + (long long) blockIdx.x * cols, cols);
    if (threadIdx.x == 0) out[blockIdx.x] = r;
}

// (value, index) order of the arg reduction: NaN first, then larger (max) or smaller (min), then lower index.
__device__ inline bool arg_before(int max, double v, int i, double w, int j) {
    bool vn = v != v, wn = w != w;
    if (vn != wn) return vn;
    if (!vn && v != w) return max ? v > w : v < w;
    return i < j;
}

extern "C" __global__ void arg_reduce_rows_v1(int max, int dtype, const void* __restrict__ x,
                                              long long* __restrict__ out, int rows, int cols) {
    __shared__ double vals[32];
    __shared__ int inds[32];
    long long base = (long long) blockIdx.x * cols;
    double v = 0;
    int i = 0x7fffffff;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        double e = load_as_double(dtype, x, base + j);
        if (i == 0x7fffffff || arg_before(max, e, j, v, i)) { v = e; i = j; }
    }
    for (int m = 16; m > 0; m >>= 1) {
        double w = __shfl_xor_sync(0xffffffffu, v, m);
        int k = __shfl_xor_sync(0xffffffffu, i, m);
        if (k != 0x7fffffff && (i == 0x7fffffff || arg_before(max, w, k, v, i))) { v = w; i = k; }
    }
    unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    if (lane == 0) { vals[warp] = v; inds[warp] = i; }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (unsigned w = 1; w < (blockDim.x >> 5); ++w)
            if (inds[w] != 0x7fffffff && (i == 0x7fffffff || arg_before(max, vals[w], inds[w], v, i))) {
                v = vals[w];
                i = inds[w];
            }
        out[blockIdx.x] = i;
    }
}
