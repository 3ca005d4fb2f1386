// elementwise.cu - the elementwise family on float32: unary maps y = f(x) and binary maps with broadcasting
// out = f(a, b), out contiguous in the broadcast shape, a and b read through strides (0 on a broadcast
// axis), as torch.add/mul/... do. Op codes are the ordinals of Elementwise.Unary / Elementwise.Binary.
// Twin: ElementwiseCpu (same formulas, same float32 steps).
// Versions: v1 - grid-stride loop, one element per thread per step (the only version so far).

#define R4J_MAX_DIMS 6

// Broadcast geometry, passed by value: shape of out (row-major), and a's and b's element strides per axis.
struct BroadcastIndex {
    long long ndim;
    long long shape[R4J_MAX_DIMS];
    long long strideA[R4J_MAX_DIMS];
    long long strideB[R4J_MAX_DIMS];
};

__device__ inline float unary_op(int op, float x) {
    switch (op) {
        case 0: return -x;                                       // NEG
        case 1: return expf(x);                                  // EXP
        case 2: return logf(x);                                  // LOG
        case 3: return sqrtf(x);                                 // SQRT
        case 4: return 1.0f / sqrtf(x);                          // RSQRT
        case 5: return fabsf(x);                                 // ABS
        case 6: return tanhf(x);                                 // TANH
        case 7: return 1.0f / (1.0f + expf(-x));                 // SIGMOID
        case 8: return x > 0.0f ? x : 0.0f;                      // RELU
        case 9: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));  // GELU (erf form)
        case 10: {                                               // GELU (tanh form)
            float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return 0.5f * x * (1.0f + tanhf(inner));
        }
        default: return __int_as_float(0x7fc00000);              // unknown op: NaN
    }
}

__device__ inline float binary_op(int op, float a, float b) {
    switch (op) {
        case 0: return a + b;                   // ADD
        case 1: return a - b;                   // SUB
        case 2: return a * b;                   // MUL
        case 3: return a / b;                   // DIV
        case 4: return fmaxf(a, b);             // MAXIMUM
        case 5: return fminf(a, b);             // MINIMUM
        case 6: return powf(a, b);              // POW
        case 7: return a > b ? 1.0f : 0.0f;     // GT
        case 8: return a < b ? 1.0f : 0.0f;     // LT
        case 9: return a == b ? 1.0f : 0.0f;    // EQ
        default: return __int_as_float(0x7fc00000);
    }
}

extern "C" __global__ void unary_v1(int op, const float* __restrict__ x, float* __restrict__ y, long long n) {
    long long stride = (long long) blockDim.x * gridDim.x;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = unary_op(op, x[i]);
}

extern "C" __global__ void binary_v1(int op, const float* __restrict__ a, const float* __restrict__ b,
                                     float* __restrict__ out, long long n, BroadcastIndex ix) {
    long long stride = (long long) blockDim.x * gridDim.x;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        long long rest = i, offA = 0, offB = 0;
        for (int d = (int) ix.ndim - 1; d >= 0; --d) {
            long long c = rest % ix.shape[d];
            rest /= ix.shape[d];
            offA += c * ix.strideA[d];
            offB += c * ix.strideB[d];
        }
        out[i] = binary_op(op, a[offA], b[offB]);
    }
}
