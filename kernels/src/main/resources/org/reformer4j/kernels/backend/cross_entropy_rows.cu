// cross_entropy_rows.cu - the fused cross entropy of the core Backend SPI (crossEntropyRows and its
// backward; torch.nn.functional.cross_entropy with ignore_index, per row): for contiguous logits [rows, cols]
// and int64 targets [rows], lse_r = logsumexp(row r) and loss_r = lse_r - logits[r, t_r] (0 where t_r is the
// ignore index); backward dlogits[r, :] = scale_r * (softmax(row r) - onehot(t_r)) from the saved lse, zero on
// ignored rows and where scale_r is 0. A target outside [0, cols) that is not the ignore index records the
// smallest such row in *error (the caller sets it to rows first). Twin: CrossEntropyRowsCpu.
// Versions: v1 - one block per row (blockDim a power of two in [32, 256]) for the forward and the backward.
#include "tensor_common.cuh"

template <class T> __device__ inline void ce_forward(const T* x, const long long* target, long long ignore, T* lse,
                                                     T* loss, int cols, int* error) {
    const T inf = (T) 1 / (T) 0;
    int r = blockIdx.x;
    const T* row = x + (long long) r * cols;
    T m = -inf;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = combine<T>(1, m, row[j]);
    m = block_reduce<T>(1, m);
    T shift = (m != m || m == inf || m == -inf) ? (T) 0 : m;
    T s = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += m_exp(row[j] - shift);
    s = block_reduce<T>(0, s);
    if (threadIdx.x != 0) return;
    T l = shift + m_log(s);
    lse[r] = l;
    long long t = target[r];
    if (t == ignore) {
        loss[r] = 0;
    } else if (t < 0 || t >= cols) {
        loss[r] = 0;
        atomicMin(error, r);
    } else {
        loss[r] = l - row[t];
    }
}

template <class T> __device__ inline void ce_backward(const T* x, const long long* target, long long ignore,
                                                      const T* lse, const T* scale, T* dx, int cols) {
    int r = blockIdx.x;
    long long base = (long long) r * cols, t = target[r];
    T s = scale[r], l = lse[r];
    bool skip = t == ignore || s == 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        dx[base + j] = skip ? (T) 0 : s * m_exp(x[base + j] - l) - (j == t ? s : (T) 0);
}

extern "C" __global__ void cross_entropy_rows_f32_v1(const float* __restrict__ x, const long long* __restrict__ target,
                                                     long long ignore, float* __restrict__ lse,
                                                     float* __restrict__ loss, int rows, int cols, int* error) {
    ce_forward<float>(x, target, ignore, lse, loss, cols, error);
}

extern "C" __global__ void cross_entropy_rows_f64_v1(const double* __restrict__ x, const long long* __restrict__ target,
                                                     long long ignore, double* __restrict__ lse,
                                                     double* __restrict__ loss, int rows, int cols, int* error) {
    ce_forward<double>(x, target, ignore, lse, loss, cols, error);
}

extern "C" __global__ void cross_entropy_rows_backward_f32_v1(const float* __restrict__ x,
                                                              const long long* __restrict__ target, long long ignore,
                                                              const float* __restrict__ lse,
                                                              const float* __restrict__ scale,
                                                              float* __restrict__ dx, int rows, int cols) {
    ce_backward<float>(x, target, ignore, lse, scale, dx, cols);
}

extern "C" __global__ void cross_entropy_rows_backward_f64_v1(const double* __restrict__ x,
                                                              const long long* __restrict__ target, long long ignore,
                                                              const double* __restrict__ lse,
                                                              const double* __restrict__ scale,
                                                              double* __restrict__ dx, int rows, int cols) {
    ce_backward<double>(x, target, ignore, lse, scale, dx, cols);
}
