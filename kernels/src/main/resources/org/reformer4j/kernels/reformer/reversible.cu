// reversible.cu - the memory passes of a reversible block (reformer-pytorch reversible.py ReversibleBlock,
// REV:41-104; golden README 4.), on the [rows, 2*dim] float32 activations x = cat(x1, x2) and gradients:
//   reversible_add:     x[:, half] += fx                    (forward y1 = x1 + f(x2), y2 = x2 + g(y1))
//   reversible_restore: y[:, a] -= fy and dy[:, b] += gx    (backward, one pass: x2 = y2 - g(y1) with
//                       dx1 = dy1 + dL/dy1 through g, then x1 = y1 - f(x2) with dx2 = dy2 + dL/dx2 through f)
//   reversible_merge:   out = (y1 + y2) / 2, and its backward dy1 = dy2 = dout / 2
//   reversible_accumulate: acc += x (parameter gradients summed over the blocks and recomputations)
// In place on the activation and gradient buffers: a block's backward makes no other pass over them.
// Twin: ReversibleCpu (the same single float32 operation per element: exact).
// Versions: v1 - grid-stride loops, one element per thread per step.

extern "C" __global__ void reversible_add_v1(float* __restrict__ x, const float* __restrict__ fx, long long rows,
                                             int dim, int half) {
    long long total = rows * dim;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long) gridDim.x * blockDim.x) {
        long long r = e / dim;
        int j = (int) (e % dim);
        long long at = r * 2 * dim + (long long) half * dim + j;
        x[at] = x[at] + fx[e];
    }
}

// y[:, a half] -= fy; dy[:, b half] += gx (gx may be null: nothing accumulated).
extern "C" __global__ void reversible_restore_v1(float* __restrict__ y, const float* __restrict__ fy,
                                                 float* __restrict__ dy, const float* __restrict__ gx,
                                                 long long rows, int dim, int restoreHalf, int accumulateHalf) {
    long long total = rows * dim;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long) gridDim.x * blockDim.x) {
        long long r = e / dim;
        int j = (int) (e % dim);
        long long a = r * 2 * dim + (long long) restoreHalf * dim + j;
        y[a] = y[a] - fy[e];
        if (gx != nullptr) {
            long long b = r * 2 * dim + (long long) accumulateHalf * dim + j;
            dy[b] = dy[b] + gx[e];
        }
    }
}

// forward (backward == 0): out[r, j] = (y[r, j] + y[r, dim + j]) * 0.5;
// backward (backward != 0): y[r, j] = y[r, dim + j] = out[r, j] * 0.5 (y is then the gradient buffer).
extern "C" __global__ void reversible_merge_v1(float* __restrict__ y, float* __restrict__ out, long long rows,
                                               int dim, int backward) {
    long long total = rows * dim;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long) gridDim.x * blockDim.x) {
        long long r = e / dim;
        int j = (int) (e % dim);
        long long a = r * 2 * dim + j;
        if (backward) {
            float h = out[e] * 0.5f;
            y[a] = h;
            y[a + dim] = h;
        } else {
            out[e] = (y[a] + y[a + dim]) * 0.5f;
        }
    }
}

extern "C" __global__ void reversible_accumulate_v1(float* __restrict__ acc, const float* __restrict__ x,
                                                    long long n) {
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < n;
         e += (long long) gridDim.x * blockDim.x)
        acc[e] = acc[e] + x[e];
}
