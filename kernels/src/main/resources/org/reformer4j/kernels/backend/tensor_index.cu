// tensor_index.cu - the indexing ops of the core Backend SPI on strided tensors: gather and index_select
// (torch.gather, torch.index_select: out = src at an index along dim d) and scatter_add and index_add
// (torch.scatter_add_, torch.index_add_: dst at an index along dim d += src). One index space covers the
// elements visited (the index tensor's shape for gather/scatter_add, out's or src's for the index_* ops);
// each op is the same walk over it: the "plain" operand is read or written at the coordinates, the
// "indexed" one at the coordinates with axis d replaced by the index value, which is read at the
// coordinates through its own strides (a 1-D index has stride 0 on every axis but d). An index outside
// [0, limit) records the smallest such linear position in *error (the caller sets it to n first) and is
// skipped. Twin: TensorIndexCpu. Versions: v1 - grid-stride over the index space; adds by atomics (the
// order of additions into one element is not fixed: float rounding may differ from the twin's).
#include "tensor_common.cuh"

struct IndexGeometry {
    long long ndim;
    long long shape[R4J_DIMS];
    long long plain[R4J_DIMS];    // element strides of the plain operand
    long long indexed[R4J_DIMS];  // element strides of the indexed operand (axis d scaled by the index)
    long long index[R4J_DIMS];    // element strides of the index tensor over the index space
    long long dim, limit, index64;
};

// Element offsets of linear position i in the plain and the indexed operand; false when the index read at i
// is outside [0, limit).
__device__ inline bool index_offsets(const IndexGeometry& g, const void* index, long long i, long long* plain,
                                     long long* indexed) {
    long long p = 0, q = 0, x = 0;
    for (int d = (int) g.ndim - 1; d >= 0; --d) {
        long long c = i % g.shape[d];
        i /= g.shape[d];
        p += c * g.plain[d];
        x += c * g.index[d];
        if (d != g.dim) q += c * g.indexed[d];
    }
    long long v = g.index64 ? ((const long long*) index)[x] : (long long) ((const int*) index)[x];
    *plain = p;
    *indexed = q + v * g.indexed[g.dim];
    return v >= 0 && v < g.limit;
}

// plain[...] = indexed[... index ...]: gather (plain = out, indexed = src) and index_select.
extern "C" __global__ void index_gather_v1(int esize, const void* __restrict__ index, const char* __restrict__ src,
                                           char* __restrict__ out, long long n, IndexGeometry g, int* error) {
    long long step = (long long) blockDim.x * gridDim.x, p, q;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        if (!index_offsets(g, index, i, &p, &q)) {
            atomicMin(error, (int) i);
            continue;
        }
        if (esize == 4) ((int*) out)[p] = ((const int*) src)[q];
        else if (esize == 8) ((long long*) out)[p] = ((const long long*) src)[q];
        else out[p] = src[q];
    }
}

// indexed[... index ...] += plain[...]: scatter_add (plain = src, indexed = dst) and index_add.
template <class T, class A> __device__ inline void index_add_body(const void* index, const T* src, T* dst,
                                                                  long long n, const IndexGeometry& g, int* error) {
    long long step = (long long) blockDim.x * gridDim.x, p, q;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        if (!index_offsets(g, index, i, &p, &q)) {
            atomicMin(error, (int) i);
            continue;
        }
        atomicAdd((A*) (dst + q), (A) src[p]);
    }
}

extern "C" __global__ void index_add_f32_v1(const void* __restrict__ index, const float* __restrict__ src,
                                            float* dst, long long n, IndexGeometry g, int* error) {
    index_add_body<float, float>(index, src, dst, n, g, error);
}

extern "C" __global__ void index_add_f64_v1(const void* __restrict__ index, const double* __restrict__ src,
                                            double* dst, long long n, IndexGeometry g, int* error) {
    index_add_body<double, double>(index, src, dst, n, g, error);
}

extern "C" __global__ void index_add_i32_v1(const void* __restrict__ index, const int* __restrict__ src, int* dst,
                                            long long n, IndexGeometry g, int* error) {
    index_add_body<int, int>(index, src, dst, n, g, error);
}

extern "C" __global__ void index_add_i64_v1(const void* __restrict__ index, const long long* __restrict__ src,
                                            long long* dst, long long n, IndexGeometry g, int* error) {
    index_add_body<long long, unsigned long long>(index, src, dst, n, g, error);
}
