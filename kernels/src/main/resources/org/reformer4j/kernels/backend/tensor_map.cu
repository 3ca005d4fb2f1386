// tensor_map.cu - the elementwise family of the core Backend SPI on strided operands of any dtype:
// unary (org.reformer4j.core.UnaryOp, with its scalar p), binary (org.reformer4j.core.BinaryOp on operands
// already broadcast to out's shape: stride 0 on stretched axes) and where(cond, a, b). The formulas are
// UnaryOp.apply / BinaryOp.apply: float32 computes in float32, float64 in float64, integers exactly where
// the CPU backend does (+ - * max min in 64 bits) and through double with Java's casts elsewhere;
// comparisons write bool. Op codes are the enum ordinals (the test checks each `case n: ... // NAME`).
// Geometry operands: 0 out, 1 a (or cond), 2 b (or a), 3 (where's b). Twin: TensorMapCpu.
// Versions: v1 - grid-stride over the elements of out, offsets from the shape and the strides.
#include "tensor_common.cuh"

template <class T> __device__ inline T unary_float(int op, T x, T p) {
    const T half = (T) 0.5, one = (T) 1;
    switch (op) {
        case 0: return -x;                                                    // NEG
        case 1: return m_exp(x);                                              // EXP
        case 2: return m_log(x);                                              // LOG
        case 3: return m_sqrt(x);                                             // SQRT
        case 4: return one / m_sqrt(x);                                       // RSQRT
        case 5: return m_abs(x);                                              // ABS
        case 6: return x > 0 ? one : x < 0 ? -one : x;                        // SIGN
        case 7: return m_tanh(x);                                             // TANH
        case 8: return one / (one + m_exp(-x));                               // SIGMOID
        case 9: return x > 0 ? x : (T) 0;                                     // RELU
        case 10: return half * x * m_erfc(-x * (T) 0.70710678118654752440);         // GELU
        case 11: {                                                            // GELU_TANH
            T u = (T) 0.79788456080286535588 * (x + (T) 0.044715 * x * x * x);
            return half * x * (one + m_tanh(u));
        }
        case 12: return x > 0 ? x : p * x;                                    // LEAKY_RELU
        case 13: return m_sin(x);                                             // SIN
        case 14: return m_cos(x);                                             // COS
        case 15: return m_erf(x);                                             // ERF
        case 16: return m_pow(x, p);                                          // POW_SCALAR
        case 17: return x + p;                                                // ADD_SCALAR
        case 18: return x * p;                                                // MUL_SCALAR
        case 19: return p - x;                                                // RSUB_SCALAR
        case 20: return x != x ? x : (x > p ? x : p);                         // CLAMP_MIN
        case 21: return x != x ? x : (x < p ? x : p);                         // CLAMP_MAX
        case 22: return one / x;                                              // RECIPROCAL
        case 23: return x * x;                                                // SQUARE
        case 24: return x == 0 ? one : (T) 0;                                 // LOGICAL_NOT
        default: return (T) r4j_nan();
    }
}

// Java's Math.pow where C's pow differs: NaN exponent, and |base| == 1 with an infinite exponent, give NaN.
template <class T> __device__ inline T java_pow(T a, T b) {
    if (b != b || (m_abs(a) == (T) 1 && m_abs(b) * (T) 0 != (T) 0)) return (T) r4j_nan();
    return m_pow(a, b);
}

template <class T> __device__ inline T binary_float(int op, T a, T b) {
    const T one = (T) 1, half = (T) 0.5;
    switch (op) {
        case 0: return a + b;                                                 // ADD
        case 1: return a - b;                                                 // SUB
        case 2: return a * b;                                                 // MUL
        case 3: return a / b;                                                 // DIV
        case 4: return java_pow(a, b);                                        // POW
        case 5: return a != a || b != b ? (T) r4j_nan() : (a > b ? a : b);    // MAXIMUM
        case 6: return a != a || b != b ? (T) r4j_nan() : (a < b ? a : b);    // MINIMUM
        case 15: {                                                            // GELU_BACKWARD
            T cdf = half * m_erfc(-b * (T) 0.70710678118654752440);  // Phi(b), no cancellation below 0
            return a * (cdf + b * (T) 0.39894228040143267794 * m_exp(-half * b * b));
        }
        case 16: {                                                            // GELU_TANH_BACKWARD
            const T c = (T) 0.79788456080286535588;
            T t = m_tanh(c * (b + (T) 0.044715 * b * b * b));
            T du = c * (one + (T) (3 * 0.044715) * b * b);
            return a * (half * (one + t) + half * b * (one - t * t) * du);
        }
        case 17: return b > 0 ? a : (T) 0;                                    // RELU_BACKWARD
        case 18: return a * (one - b * b);                                    // TANH_BACKWARD
        case 19: return a * b * (one - b);                                    // SIGMOID_BACKWARD
        default: return (T) r4j_nan();
    }
}

template <class T> __device__ inline bool compare(int op, T a, T b) {
    switch (op) {
        case 7: return a == b;                                                // EQ
        case 8: return a != b;                                                // NE
        case 9: return a < b;                                                 // LT
        case 10: return a <= b;                                               // LE
        case 11: return a > b;                                                // GT
        case 12: return a >= b;                                               // GE
        case 13: return a != 0 && b != 0;                                     // AND
        case 14: return a != 0 || b != 0;                                     // OR
        default: return false;
    }
}

__device__ inline bool is_comparison(int op) { return op >= 7 && op <= 14; }

// An integer power as the CPU's (long) Math.pow gives it: CUDA's double pow is within 2 ulp, so 19^3 can come out
// as 6858.999...; an integer base to a non-negative power is an exact integer whenever it is below 2^53, so round.
__device__ inline double exact_pow(double a, double b) {
    double r = java_pow(a, b);
    return b >= 0 && a == floor(a) && b == floor(b) && fabs(r) < 9007199254740992.0 ? rint(r) : r;
}

__device__ inline long long binary_integral(int op, long long a, long long b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 5: return a > b ? a : b;
        case 6: return a < b ? a : b;
        case 4: return java_d2l(exact_pow((double) a, (double) b));             // POW
        default: return java_d2l(binary_float<double>(op, (double) a, (double) b));
    }
}

// ---- unary: out has a's dtype, except LOGICAL_NOT which writes bool ----
template <class T> __device__ inline void unary_float_body(int op, double p, const T* a, void* out, long long n,
                                                           const Geometry& g) {
    long long step = (long long) blockDim.x * gridDim.x, off[2];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 2, off);
        T y = unary_float<T>(op, a[off[1]], (T) p);
        if (op == 24) ((unsigned char*) out)[off[0]] = y != 0 ? 1 : 0;
        else ((T*) out)[off[0]] = y;
    }
}

template <class T> __device__ inline void unary_integral_body(int op, double p, const T* a, void* out, long long n,
                                                              const Geometry& g) {
    long long step = (long long) blockDim.x * gridDim.x, off[2];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 2, off);
        double y = op == 16 ? exact_pow((double) a[off[1]], p) : unary_float<double>(op, (double) a[off[1]], p);
        if (op == 24 || sizeof(T) == 1) ((unsigned char*) out)[off[0]] = y != 0 ? 1 : 0;
        else ((T*) out)[off[0]] = (T) java_d2l(y);
    }
}

extern "C" __global__ void unary_f32_v1(int op, double p, const float* a, void* out, long long n, Geometry g) {
    unary_float_body<float>(op, p, a, out, n, g);
}

extern "C" __global__ void unary_f64_v1(int op, double p, const double* a, void* out, long long n, Geometry g) {
    unary_float_body<double>(op, p, a, out, n, g);
}

extern "C" __global__ void unary_i32_v1(int op, double p, const int* a, void* out, long long n, Geometry g) {
    unary_integral_body<int>(op, p, a, out, n, g);
}

extern "C" __global__ void unary_i64_v1(int op, double p, const long long* a, void* out, long long n, Geometry g) {
    unary_integral_body<long long>(op, p, a, out, n, g);
}

extern "C" __global__ void unary_bool_v1(int op, double p, const unsigned char* a, void* out, long long n, Geometry g) {
    unary_integral_body<unsigned char>(op, p, a, out, n, g);
}

// ---- binary: a and b of one dtype; out of that dtype, or bool for comparisons ----
template <class T> __device__ inline void binary_float_body(int op, const T* a, const T* b, void* out, long long n,
                                                            const Geometry& g) {
    long long step = (long long) blockDim.x * gridDim.x, off[3];
    bool cmp = is_comparison(op);
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 3, off);
        T x = a[off[1]], y = b[off[2]];
        if (cmp) ((unsigned char*) out)[off[0]] = compare<T>(op, x, y) ? 1 : 0;
        else ((T*) out)[off[0]] = binary_float<T>(op, x, y);
    }
}

template <class T> __device__ inline void binary_integral_body(int op, const T* a, const T* b, void* out,
                                                               long long n, const Geometry& g) {
    long long step = (long long) blockDim.x * gridDim.x, off[3];
    bool cmp = is_comparison(op);
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 3, off);
        long long x = a[off[1]], y = b[off[2]];
        if (cmp) ((unsigned char*) out)[off[0]] = compare<long long>(op, x, y) ? 1 : 0;
        else if (sizeof(T) == 1) ((unsigned char*) out)[off[0]] = binary_integral(op, x, y) != 0 ? 1 : 0;
        else ((T*) out)[off[0]] = (T) binary_integral(op, x, y);
    }
}

extern "C" __global__ void binary_f32_v1(int op, const float* a, const float* b, void* out, long long n, Geometry g) {
    binary_float_body<float>(op, a, b, out, n, g);
}

extern "C" __global__ void binary_f64_v1(int op, const double* a, const double* b, void* out, long long n, Geometry g) {
    binary_float_body<double>(op, a, b, out, n, g);
}

extern "C" __global__ void binary_i32_v1(int op, const int* a, const int* b, void* out, long long n, Geometry g) {
    binary_integral_body<int>(op, a, b, out, n, g);
}

extern "C" __global__ void binary_i64_v1(int op, const long long* a, const long long* b, void* out, long long n,
                                         Geometry g) {
    binary_integral_body<long long>(op, a, b, out, n, g);
}

extern "C" __global__ void binary_bool_v1(int op, const unsigned char* a, const unsigned char* b, void* out,
                                          long long n, Geometry g) {
    binary_integral_body<unsigned char>(op, a, b, out, n, g);
}

// ---- where: out = cond ? a : b, any dtype (moved as esize-byte words) ----
extern "C" __global__ void where_v1(int esize, const unsigned char* cond, const char* a, const char* b, char* out,
                                    long long n, Geometry g) {
    long long step = (long long) blockDim.x * gridDim.x, off[4];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 4, off);
        bool c = cond[off[1]] != 0;
        long long from = c ? off[2] : off[3];
        const char* src = c ? a : b;
        if (esize == 4) ((int*) out)[off[0]] = ((const int*) src)[from];
        else if (esize == 8) ((long long*) out)[off[0]] = ((const long long*) src)[from];
        else out[off[0]] = src[from];
    }
}
