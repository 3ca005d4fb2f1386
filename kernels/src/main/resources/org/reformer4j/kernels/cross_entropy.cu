// cross_entropy.cu - cross entropy of [rows, cols] float32 logits against int32 targets with ignore_index,
// mean over the non-ignored rows (torch.nn.functional.cross_entropy, reduction='mean'):
// loss_r = logsumexp(logits_r) - logits_r[t_r] for t_r != ignore; mean = sum loss_r / count (NaN when count
// is 0, as torch). Backward: dlogits_r = (softmax(logits_r) - onehot(t_r)) * dloss / count, 0 on ignored
// rows. A target outside [0, cols) that is not ignore_index records the smallest such row in *error (the
// caller sets it to rows first). Twin: CrossEntropyCpu.
// Versions: v1 - one block per row for the per-row losses and the backward; the mean by one block that
//           adds the row losses in a fixed order (deterministic).
#include "block_reduce.cuh"

extern "C" __global__ void cross_entropy_rows_v1(const float* __restrict__ logits, const int* __restrict__ targets,
                                                 float* __restrict__ rowLoss, float* __restrict__ lse, int rows,
                                                 int cols, int ignoreIndex, int* error) {
    int r = blockIdx.x;
    long long base = (long long) r * cols;
    float m = R4J_NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, logits[base + j]);
    m = block_max(m);
    float s = 0.0f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(logits[base + j] - m);
    s = block_sum(s);
    if (threadIdx.x != 0) return;
    float l = m + logf(s);
    lse[r] = l;
    int t = targets[r];
    if (t == ignoreIndex) {
        rowLoss[r] = 0.0f;
    } else if (t < 0 || t >= cols) {
        rowLoss[r] = 0.0f;
        atomicMin(error, r);
    } else {
        rowLoss[r] = l - logits[base + t];
    }
}

// out[0] = mean loss, out[1] = count of non-ignored rows (as a float).
extern "C" __global__ void cross_entropy_mean_v1(const float* __restrict__ rowLoss, const int* __restrict__ targets,
                                                 float* __restrict__ out, int rows, int ignoreIndex) {
    float s = 0.0f, c = 0.0f;
    for (int r = threadIdx.x; r < rows; r += blockDim.x)
        if (targets[r] != ignoreIndex) { s += rowLoss[r]; c += 1.0f; }
    s = block_sum(s);
    c = block_sum(c);
    if (threadIdx.x == 0) { out[0] = s / c; out[1] = c; }
}

// meanOut: the forward's out (its count); dloss: the upstream gradient of the mean (one float).
extern "C" __global__ void cross_entropy_backward_v1(const float* __restrict__ logits, const int* __restrict__ targets,
                                                     const float* __restrict__ lse, const float* __restrict__ meanOut,
                                                     const float* __restrict__ dloss, float* __restrict__ dlogits,
                                                     int rows, int cols, int ignoreIndex) {
    int r = blockIdx.x;
    long long base = (long long) r * cols;
    int t = targets[r];
    bool ignored = t == ignoreIndex || t < 0 || t >= cols;
    float scale = dloss[0] / meanOut[1], l = lse[r];
    for (int j = threadIdx.x; j < cols; j += blockDim.x)
        dlogits[base + j] = ignored ? 0.0f : (expf(logits[base + j] - l) - (j == t ? 1.0f : 0.0f)) * scale;
}
