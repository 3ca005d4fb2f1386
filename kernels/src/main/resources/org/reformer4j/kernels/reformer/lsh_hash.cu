// lsh_hash.cu - LSH bucket of every (row, round, position) (reformer-pytorch LSHAttention.hash_vectors, R:219-263;
// golden README 5.a): r[i] = sum_f qk[n, p, f] * R[f, k, i] for i < nb/2 (sequential fused multiply-adds over
// f), bucket = argmax_j cat(r, -r)[j] (first index on ties), stored with its round offset:
// buckets[n, k*L + p] = bucket + k*nb. Rotations R are [1 or N, dh, H, nb/2] (one set, or one per row).
// qk [N, L, dh] float32, buckets [N, H*L] int32. Twin: LshHashCpu (same products in the same order: exact).
// Versions: v1 - one thread per (row, round, position), rotations read from global memory (broadcast);
//           v2 - a block per (row, round, 64 positions): the qk rows and a 32-column slice of the round's
//                rotations staged in shared memory, 4 threads per position each scanning a quarter of the
//                columns, then a 4-lane argmax merge that keeps the lowest index on ties.

#define LSH_NEG_INF_H (__int_as_float((int) 0xff800000u))

__device__ inline void lsh_hash_merge(float v, int j, float* best, int* at) {
    if (v > *best || (v == *best && j < *at)) { *best = v; *at = j; }
}

extern "C" __global__ void lsh_hash_v1(const float* __restrict__ qk, const float* __restrict__ rot,
                                       int* __restrict__ buckets, int rows, int len, int dh, int hashes,
                                       int nbuckets, int rot_per_row) {
    long long t = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= (long long) rows * hashes * len) return;
    int p = (int) (t % len), k = (int) (t / len % hashes), n = (int) (t / ((long long) len * hashes));
    int half = nbuckets / 2;
    const float* x = qk + ((long long) n * len + p) * dh;
    const float* r = rot + (rot_per_row ? (long long) n * dh * hashes * half : 0) + (long long) k * half;
    float hi = LSH_NEG_INF_H, lo = -LSH_NEG_INF_H;  // largest and smallest r[i], first index of each
    int ihi = 0, ilo = 0;
    for (int i = 0; i < half; ++i) {
        float acc = 0.0f;
        for (int f = 0; f < dh; ++f) acc = fmaf(x[f], r[(long long) f * hashes * half + i], acc);
        if (acc > hi) { hi = acc; ihi = i; }
        if (acc < lo) { lo = acc; ilo = i; }
    }
    // index i (value hi) comes before half + i' (value -lo): the positive side wins ties
    int b = hi >= -lo ? ihi : half + ilo;
    buckets[(long long) n * hashes * len + (long long) k * len + p] = b + k * nbuckets;
}

#define LSH_HASH_TP 64  // positions per block (v2)
#define LSH_HASH_TI 32  // rotation columns per shared slice (v2)

// v2: 256 threads; thread (q, part) = (tid / 4, tid % 4) scans columns i = part, part + 4, ... of each slice.
// Dynamic shared memory: (64 * dh + dh * 32) floats.
extern "C" __global__ void lsh_hash_v2(const float* __restrict__ qk, const float* __restrict__ rot,
                                       int* __restrict__ buckets, int rows, int len, int dh, int hashes,
                                       int nbuckets, int rot_per_row) {
    DYNAMIC_SHARED(float, smem);
    float* xs = smem;                        // [64][dh]
    float* rs = smem + LSH_HASH_TP * dh;     // [dh][32]
    int n = blockIdx.z, k = blockIdx.y, p0 = blockIdx.x * LSH_HASH_TP, half = nbuckets / 2;
    int q = threadIdx.x >> 2, part = threadIdx.x & 3, p = p0 + q;
    for (int e = threadIdx.x; e < LSH_HASH_TP * dh; e += blockDim.x) {
        int pp = p0 + e / dh;
        xs[e] = pp < len ? qk[((long long) n * len + pp) * dh + e % dh] : 0.0f;
    }
    const float* r = rot + (rot_per_row ? (long long) n * dh * hashes * half : 0) + (long long) k * half;
    float hi = LSH_NEG_INF_H, lo = -LSH_NEG_INF_H;
    int ihi = 0, ilo = 0;
    for (int i0 = 0; i0 < half; i0 += LSH_HASH_TI) {
        __syncthreads();
        for (int e = threadIdx.x; e < dh * LSH_HASH_TI; e += blockDim.x) {
            int f = e / LSH_HASH_TI, i = i0 + e % LSH_HASH_TI;
            rs[e] = i < half ? r[(long long) f * hashes * half + i] : 0.0f;
        }
        __syncthreads();
        for (int ii = part; ii < LSH_HASH_TI && i0 + ii < half; ii += 4) {
            float acc = 0.0f;
            for (int f = 0; f < dh; ++f) acc = fmaf(xs[q * dh + f], rs[f * LSH_HASH_TI + ii], acc);
            if (acc > hi) { hi = acc; ihi = i0 + ii; }
            if (acc < lo) { lo = acc; ilo = i0 + ii; }
        }
    }
    // merge the four parts of a position (lanes 4q .. 4q+3 of one warp): lowest index wins ties
    float nlo = -lo;
    for (int m = 1; m < 4; m <<= 1) {
        float ohi = __shfl_xor_sync(0xffffffffu, hi, m), onl = __shfl_xor_sync(0xffffffffu, nlo, m);
        int oih = __shfl_xor_sync(0xffffffffu, ihi, m), oil = __shfl_xor_sync(0xffffffffu, ilo, m);
        lsh_hash_merge(ohi, oih, &hi, &ihi);
        lsh_hash_merge(onl, oil, &nlo, &ilo);
    }
    if (part == 0 && p < len) {
        int b = hi >= nlo ? ihi : half + ilo;
        buckets[(long long) n * hashes * len + (long long) k * len + p] = b + k * nbuckets;
    }
}
