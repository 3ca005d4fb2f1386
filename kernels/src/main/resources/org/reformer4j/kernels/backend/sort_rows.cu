// sort_rows.cu - stable sort of each row of a contiguous [rows, cols] tensor (Backend.sortRows; torch.sort
// with stable=True, torch.topk): values [rows, k] and int64 indices [rows, k], the first k of each sorted
// row. Order of CpuIndex.sortRows: NaN is the largest value, -0.0 equals 0.0, equal values keep their index
// order (ascending and descending alike). Keys are read as double, as the CPU backend does.
// Twin: SortRowsCpu. Versions: v1 - one block per row, a bitonic network over the row's indices padded to
// a power of two (`pow2`) in a global scratch [rows, pow2]; pads sort last; ties broken by index, so the
// network's result is the stable order.
#include "tensor_common.cuh"

// True when position p sorts strictly before position q of the row (both < cols: real elements).
__device__ inline bool sort_before(int dtype, const void* a, long long base, int p, int q, int descending) {
    double x = load_as_double(dtype, a, base + p), y = load_as_double(dtype, a, base + q);
    bool xn = x != x, yn = y != y;
    int cmp = xn != yn ? (xn ? 1 : -1) : (xn ? 0 : (x < y ? -1 : x > y ? 1 : 0));
    if (cmp != 0) return descending ? cmp > 0 : cmp < 0;
    return p < q;
}

extern "C" __global__ void sort_rows_v1(int dtype, int esize, const void* __restrict__ a, int rows, int cols,
                                        int pow2, int descending, int* __restrict__ scratch, int k,
                                        char* __restrict__ values, long long* __restrict__ indices) {
    long long base = (long long) blockIdx.x * cols;
    int* order = scratch + (long long) blockIdx.x * pow2;
    for (int i = threadIdx.x; i < pow2; i += blockDim.x) order[i] = i;
    __syncthreads();
    for (int size = 2; size <= pow2; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < pow2; i += blockDim.x) {
                int j = i ^ stride;
                if (j <= i) continue;
                int p = order[i], q = order[j];
                // ascending runs where bit `size` of i is 0: the smaller (in sort order) goes to i
                bool up = (i & size) == 0;
                bool qFirst = q >= cols ? false : p >= cols ? true : sort_before(dtype, a, base, q, p, descending);
                if (qFirst == up) {
                    order[i] = q;
                    order[j] = p;
                }
            }
            __syncthreads();
        }
    }
    long long out = (long long) blockIdx.x * k;
    for (int c = threadIdx.x; c < k; c += blockDim.x) {
        int src = order[c];
        indices[out + c] = src;
        if (esize == 4) ((int*) values)[out + c] = ((const int*) a)[base + src];
        else if (esize == 8) ((long long*) values)[out + c] = ((const long long*) a)[base + src];
        else values[out + c] = ((const char*) a)[base + src];
    }
}
