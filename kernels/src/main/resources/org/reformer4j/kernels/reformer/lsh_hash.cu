// lsh_hash.cu - LSH bucket of every (row, round, position) (reformer-pytorch LSHAttention.hash_vectors, R:219-263;
// golden README 5.a): r[i] = sum_f qk[n, p, f] * R[f, k, i] for i < nb/2 (sequential fused multiply-adds over
// f), bucket = argmax_j cat(r, -r)[j] (first index on ties), stored with its round offset:
// buckets[n, k*L + p] = bucket + k*nb. Rotations R are [1 or N, dh, H, nb/2] (one set, or one per row).
// qk [N, L, dh] float32, buckets [N, H*L] int32. Twin: LshHashCpu (same products in the same order: exact).
// Versions: v1 - one thread per (row, round, position), rotations read from global memory (broadcast);
//           v2 - a block per (row, round, 64 positions): the qk rows and a 32-column slice of the round's
//                rotations staged in shared memory, 4 threads per position each scanning a quarter of the
//                columns, then a 4-lane argmax merge that keeps the lowest index on ties;
//           v3 - register-tiled: a block per (row, round, 128 positions) loops over 128-column tiles of the
//                round's rotations; qk and R pass through shared memory in 8-f slices (double buffered),
//                each thread keeps 8 positions x 8 columns of accumulators (each one fmaf chain over f in
//                order), then folds its columns into per-position (max, argmax, min, argmin) and merges
//                them across the 16 lanes that share the positions by shuffles (lowest index on ties).

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

#if defined(__CUDACC_RTC__) || defined(__NVCC__)
#define LSH_HASH_UNROLL _Pragma("unroll")
#else
#define LSH_HASH_UNROLL
#endif

#define LSH_V3_TP 128  // positions per block
#define LSH_V3_TC 128  // rotation columns per tile
#define LSH_V3_KS 8    // f per shared slice
#define LSH_V3_AP (LSH_V3_TP + 4)  // row stride of the transposed qk slice (conflict-free stores)

// The running argmax of cat(r, -r) over some columns, for one position: hi = max r (first index ihi),
// nl = max -r (first index il). Starts at (-inf, 0), which loses every merge to a real column.
struct LshArg { float hi; int ihi; float nl; int il; };

__device__ inline void lsh_v3_take(const LshArg& o, LshArg& a) {
    lsh_hash_merge(o.hi, o.ihi, &a.hi, &a.ihi);
    lsh_hash_merge(o.nl, o.il, &a.nl, &a.il);
}

__device__ inline LshArg lsh_v3_shfl(const LshArg& a, int m) {
    LshArg o;
    o.hi = __shfl_xor_sync(0xffffffffu, a.hi, m);
    o.ihi = __shfl_xor_sync(0xffffffffu, a.ihi, m);
    o.nl = __shfl_xor_sync(0xffffffffu, a.nl, m);
    o.il = __shfl_xor_sync(0xffffffffu, a.il, m);
    return o;
}

// One fold of the 16-lane merge: of its 2K position slots a lane keeps the upper K when `up`, else the
// lower K, sends the other K to lane ^ m (which keeps the opposite half) and merges what it receives.
template <int K>
__device__ inline void lsh_v3_fold(LshArg (&s)[8], int m, bool up) {
    LSH_HASH_UNROLL
    for (int j = 0; j < K; ++j) {
        LshArg keep = up ? s[j + K] : s[j], give = up ? s[j] : s[j + K];
        lsh_v3_take(lsh_v3_shfl(give, m), keep);
        s[j] = keep;
    }
}

// The products of one f-slice: acc[r][c] = fmaf(x[r], R[c], acc[r][c]) for f = f0 .. f0 + kn - 1 in order.
template <bool FULL>
__device__ inline void lsh_v3_slice(float (&acc)[8][8], const float* as, const float* bs, int ty, int tx, int kn) {
    LSH_HASH_UNROLL
    for (int kk = 0; kk < LSH_V3_KS; ++kk) {
        if (!FULL && kk >= kn) break;
        const float4 a0 = *reinterpret_cast<const float4*>(as + kk * LSH_V3_AP + ty * 4);
        const float4 a1 = *reinterpret_cast<const float4*>(as + kk * LSH_V3_AP + 64 + ty * 4);
        const float4 b0 = *reinterpret_cast<const float4*>(bs + kk * LSH_V3_TC + tx * 4);
        const float4 b1 = *reinterpret_cast<const float4*>(bs + kk * LSH_V3_TC + 64 + tx * 4);
        const float x[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
        const float r[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
        LSH_HASH_UNROLL
        for (int i = 0; i < 8; ++i) {
            LSH_HASH_UNROLL
            for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(x[i], r[j], acc[i][j]);
        }
    }
}

// v3: 256 threads, thread (ty, tx) = (tid / 16, tid % 16) owns positions ty*4 + {0..3} and 64 + ty*4 + {0..3}
// and columns tx*4 + {0..3} and 64 + tx*4 + {0..3} of each tile. Grid x = (row * hashes + round) * position
// tiles + tile. Static shared memory: two slices of qk (transposed) and of R, 16.5 KiB.
extern "C" __global__ __launch_bounds__(256, 2) void lsh_hash_v3(
        const float* __restrict__ qk, const float* __restrict__ rot, int* __restrict__ buckets, int rows, int len,
        int dh, int hashes, int nbuckets, int rot_per_row) {
    __shared__ float4 as4[2][LSH_V3_KS * LSH_V3_AP / 4];  // [f][position]; float4 for the 16-byte alignment
    __shared__ float4 bs4[2][LSH_V3_KS * LSH_V3_TC / 4];  // [f][column]
    float* const As = reinterpret_cast<float*>(as4);  // slice b at As + b * LSH_V3_KS * LSH_V3_AP
    float* const Bs = reinterpret_cast<float*>(bs4);  // slice b at Bs + b * LSH_V3_KS * LSH_V3_TC
    const int tiles = (len + LSH_V3_TP - 1) / LSH_V3_TP, half = nbuckets / 2, tid = threadIdx.x;
    const long long nk = blockIdx.x / tiles;  // row * hashes + round
    const int n = (int) (nk / hashes), k = (int) (nk % hashes), p0 = (int) (blockIdx.x % tiles) * LSH_V3_TP;
    const int ty = tid >> 4, tx = tid & 15;
    const float* x = qk + ((long long) n * len + p0) * dh;
    const float* r = rot + (rot_per_row ? (long long) n * dh * hashes * half : 0) + (long long) k * half;
    const long long rstride = (long long) hashes * half;  // from R[f, k, i] to R[f + 1, k, i]
    // loader roles: qk element (position la + 32 j, f lf), R element (f lb + 2 j, column lc), j < 4
    const int la = tid >> 3, lf = tid & 7, lb = tid >> 7, lc = tid & 127;
    const int slices = (dh + LSH_V3_KS - 1) / LSH_V3_KS;

    LshArg best;  // after the merge: position (tx >> 1) of this thread's eight, columns of all tiles so far
    best.hi = LSH_NEG_INF_H; best.ihi = 0; best.nl = LSH_NEG_INF_H; best.il = 0;
    for (int i0 = 0; i0 < half; i0 += LSH_V3_TC) {
        float acc[8][8];
        LSH_HASH_UNROLL
        for (int i = 0; i < 8; ++i) {
            LSH_HASH_UNROLL
            for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;
        }
        float ga[4], gb[4];  // the next slice, on its way from global memory
        auto fetch = [&](int f0) {
            LSH_HASH_UNROLL
            for (int j = 0; j < 4; ++j) {
                int p = la + 32 * j, f = f0 + lf;
                ga[j] = p0 + p < len && f < dh ? x[(long long) p * dh + f] : 0.0f;
                int fb = f0 + lb + 2 * j, c = i0 + lc;
                gb[j] = fb < dh && c < half ? r[fb * rstride + c] : 0.0f;
            }
        };
        auto stash = [&](int buf) {
            LSH_HASH_UNROLL
            for (int j = 0; j < 4; ++j) {
                As[(buf * LSH_V3_KS + lf) * LSH_V3_AP + la + 32 * j] = ga[j];
                Bs[(buf * LSH_V3_KS + lb + 2 * j) * LSH_V3_TC + lc] = gb[j];
            }
        };
        fetch(0);  // the slice loop of the previous tile ended at a barrier: its slices have been read
        stash(0);
        __syncthreads();
        for (int s = 0; s < slices; ++s) {
            const int f0 = s * LSH_V3_KS, buf = s & 1;
            if (s + 1 < slices) fetch(f0 + LSH_V3_KS);
            const float* as = As + buf * LSH_V3_KS * LSH_V3_AP;
            const float* bs = Bs + buf * LSH_V3_KS * LSH_V3_TC;
            if (f0 + LSH_V3_KS <= dh) lsh_v3_slice<true>(acc, as, bs, ty, tx, LSH_V3_KS);
            else lsh_v3_slice<false>(acc, as, bs, ty, tx, dh - f0);
            if (s + 1 < slices) stash(buf ^ 1);
            __syncthreads();
        }
        // each position's argmax over this thread's columns, in increasing column order
        LshArg part[8];
        LSH_HASH_UNROLL
        for (int i = 0; i < 8; ++i) {
            part[i].hi = LSH_NEG_INF_H; part[i].ihi = 0; part[i].nl = LSH_NEG_INF_H; part[i].il = 0;
            LSH_HASH_UNROLL
            for (int j = 0; j < 8; ++j) {
                int c = i0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
                float v = acc[i][j];
                if (c < half) {
                    if (v > part[i].hi) { part[i].hi = v; part[i].ihi = c; }
                    if (-v > part[i].nl) { part[i].nl = -v; part[i].il = c; }
                }
            }
        }
        // merge across the 16 lanes with this ty: 8 slots -> 4 -> 2 -> 1, then the pair (tx, tx ^ 1)
        lsh_v3_fold<4>(part, 8, (tx & 8) != 0);
        lsh_v3_fold<2>(part, 4, (tx & 4) != 0);
        lsh_v3_fold<1>(part, 2, (tx & 2) != 0);
        lsh_v3_take(lsh_v3_shfl(part[0], 1), part[0]);
        lsh_v3_take(part[0], best);
    }
    const int slot = tx >> 1, p = p0 + (slot < 4 ? ty * 4 + slot : 64 + ty * 4 + slot - 4);
    if ((tx & 1) == 0 && p < len) {
        int b = best.hi >= best.nl ? best.ihi : half + best.il;
        buckets[nk * len + p] = b + k * nbuckets;
    }
}
