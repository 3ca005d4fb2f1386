// adam.cu - one Adam / AdamW step on n float32 parameters, element by element in the order of torch's
// _single_tensor_adam / _single_tensor_adamw (and of core's OptimMath.adam): optional maximize, AdamW's
// p *= 1 - lr*wd or Adam's g += wd*p, m = b1 m + (1-b1) g, v = b2 v + (1-b2) g g, AMSGrad's running max,
// denom = sqrt(v)/sqrt(1-b2^t) + eps, p += -lr/(1-b1^t) * m/denom. The scalars come from the host (float64
// there, rounded to float). vmax is null without AMSGrad. Twin: AdamCpu.
// Versions: v1 - grid-stride loop, one element per thread per step.

// flags: bit 0 L2 (Adam weight decay), bit 1 decoupled shrink (AdamW), bit 2 maximize.
extern "C" __global__ void adam_v1(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                                   float* __restrict__ v, float* __restrict__ vmax, long long n, float b1, float b2,
                                   float a1, float a2, float negStep, float bc2, float eps, float wd, float decay,
                                   int flags) {
    long long stride = (long long) blockDim.x * gridDim.x;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
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
}
