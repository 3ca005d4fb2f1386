// embedding.cu - embedding lookup and its gradient (torch.nn.functional.embedding / its backward):
// out[i, :] = table[ids[i], :] for n int32 ids into a [vocab, dim] float32 table; the backward adds
// dout[i, :] into dtable[ids[i], :] (scatter-add; the caller zeroes dtable). An id outside [0, vocab)
// writes zeros and records the smallest such position i in *error (which the caller sets to n first).
// Twin: EmbeddingCpu.
// Versions: v1 - grid-stride over the n*dim elements; backward by float atomicAdd (the order of the
//           additions into a row repeated in ids is not fixed: float32 rounding may differ from the twin's).
__device__ inline void record_bad_id(int* error, int i) {
    atomicMin(error, i);
}

extern "C" __global__ void embedding_forward_v1(const float* __restrict__ table, const int* __restrict__ ids,
                                                float* __restrict__ out, long long n, int dim, int vocab,
                                                int* error) {
    long long total = n * dim, stride = (long long) blockDim.x * gridDim.x;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / dim;
        int j = (int) (e - i * dim), id = ids[i];
        if (id < 0 || id >= vocab) {
            out[e] = 0.0f;
            if (j == 0) record_bad_id(error, (int) i);
        } else {
            out[e] = table[(long long) id * dim + j];
        }
    }
}

extern "C" __global__ void embedding_backward_v1(const float* __restrict__ dout, const int* __restrict__ ids,
                                                 float* __restrict__ dtable, long long n, int dim, int vocab,
                                                 int* error) {
    long long total = n * dim, stride = (long long) blockDim.x * gridDim.x;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        long long i = e / dim;
        int j = (int) (e - i * dim), id = ids[i];
        if (id < 0 || id >= vocab) {
            if (j == 0) record_bad_id(error, (int) i);
        } else {
            atomicAdd(&dtable[(long long) id * dim + j], dout[e]);
        }
    }
}
