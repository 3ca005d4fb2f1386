// adam.cu - one Adam / AdamW step on n float32 parameters, element by element in the order of torch's
// _single_tensor_adam / _single_tensor_adamw (and of core's OptimMath.adam): optional maximize, AdamW's
// p *= 1 - lr*wd or Adam's g += wd*p, m = b1 m + (1-b1) g, v = b2 v + (1-b2) g g, AMSGrad's running max,
// denom = sqrt(v)/sqrt(1-b2^t) + eps, p += -lr/(1-b1^t) * m/denom. The scalars come from the host (float64
// there, rounded to float). vmax is null without AMSGrad. Twin: AdamCpu.
// Versions: v1 - grid-stride loop, one element per thread per step.
// adam_list_v1: the same step on up to ADAM_LIST tensors in one launch (torch's multi-tensor "foreach" Adam):
// blockIdx.y picks the tensor, blocks stride over its elements; each element gets exactly v1's arithmetic.

#define ADAM_LIST 32

// One Adam element (shared by both kernels, so that they round alike).
__device__ __forceinline__ void adam_element(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                                             float* __restrict__ v, float* __restrict__ vmax, long long i, float b1,
                                             float b2, float a1, float a2, float negStep, float bc2, float eps, float wd,
                                             float decay, int flags) {
    float gi = (flags & 4) ? -g[i] : g[i];
    float pi = p[i];
    if (flags & 2) pi = __fmul_rn(pi, decay);
    if (flags & 1) gi = __fadd_rn(gi, __fmul_rn(wd, pi));
    float mi = __fadd_rn(__fmul_rn(m[i], b1), __fmul_rn(a1, gi));
    float vi = __fadd_rn(__fmul_rn(v[i], b2), __fmul_rn(__fmul_rn(a2, gi), gi));
    m[i] = mi;
    v[i] = vi;
    float vd = vi;
    if (vmax) {
        vd = fmaxf(vmax[i], vi);
        vmax[i] = vd;
    }
    float denom = __fadd_rn(sqrtf(vd) / bc2, eps);
    p[i] = __fadd_rn(pi, __fmul_rn(negStep, mi / denom));
}

// flags: bit 0 L2 (Adam weight decay), bit 1 decoupled shrink (AdamW), bit 2 maximize.
extern "C" __global__ void adam_v1(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                                   float* __restrict__ v, float* __restrict__ vmax, long long n, float b1, float b2,
                                   float a1, float a2, float negStep, float bc2, float eps, float wd, float decay,
                                   int flags) {
    long long stride = (long long) blockDim.x * gridDim.x;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        adam_element(p, g, m, v, vmax, i, b1, b2, a1, a2, negStep, bc2, eps, wd, decay, flags);
}

// The tensors of one launch: element counts and addresses (vmax 0 without AMSGrad), count <= ADAM_LIST.
struct AdamList {
    long long count, n[ADAM_LIST], p[ADAM_LIST], g[ADAM_LIST], m[ADAM_LIST], v[ADAM_LIST], vmax[ADAM_LIST];
};

extern "C" __global__ void adam_list_v1(AdamList list, float b1, float b2, float a1, float a2, float negStep, float bc2,
                                        float eps, float wd, float decay, int flags) {
    int t = blockIdx.y;
    if (t >= list.count) return;
    long long n = list.n[t];
    float* p = (float*) list.p[t];
    const float* g = (const float*) list.g[t];
    float* m = (float*) list.m[t];
    float* v = (float*) list.v[t];
    float* vmax = (float*) list.vmax[t];
    long long stride = (long long) blockDim.x * gridDim.x;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        adam_element(p, g, m, v, vmax, i, b1, b2, a1, a2, negStep, bc2, eps, wd, decay, flags);
}
