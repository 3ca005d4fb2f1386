// lsh_common.cuh - what the LSH attention kernels share (lsh_attention_forward.cu, lsh_attention_backward.cu):
// the shape record, warp reductions, the rotary turn applied while gathering, and the masked score of one
// (query, key) pair in reformer-pytorch's order (LSHAttention.forward, R:327-401; golden README 5.f):
// input mask, causal, self -5e4, other bucket, duplicate-count correction. Forward and backward call the
// same functions with the same operands, so the backward recomputes the forward's scores bit for bit.
// Shapes: N rows (batch x heads), L keys (tokens + memory), T queries, H rounds, bs bucket size, dh head dim.
#pragma once

#define LSH_NEG_INF (__int_as_float((int) 0xff800000u))
#define LSH_MASKED (-3.40282346638528859812e+38f)  // -torch.finfo(float32).max
#define LSH_SELF_VALUE (-5e4f)                     // TOKEN_SELF_ATTN_VALUE

// LshConfig.struct() writes these fields in this order (all long long, passed by value).
struct LshShape {
    long long rows, len, qlen, dh, hashes, bs;
    long long causal, across, dup;  // causal mask; attend across buckets; allow duplicate attention
};

__device__ inline float lsh_warp_sum(float v) {
    for (int m = 16; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
    return v;
}

__device__ inline float lsh_warp_max(float v) {
    for (int m = 16; m > 0; m >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, m));
    return v;
}

// Element f of row p of qk (row pointer `x`) after the rotary turn (only rows p < qlen, only with a table):
// pair (2i, 2i+1) turned by the angle of (p, i): x0 cos - x1 sin, x1 cos + x0 sin, each product rounded
// (no fused multiply-add) as torch computes it in float32.
__device__ inline float lsh_rotated(const float* __restrict__ x, int f, int p, long long qlen, int dh,
                                    const float* __restrict__ sn, const float* __restrict__ cs) {
    if (sn == nullptr || p >= qlen) return x[f];
    int i = f >> 1, half = dh >> 1;
    float s = sn[(long long) p * half + i], c = cs[(long long) p * half + i];
    float a = x[f & ~1], b = x[f | 1];
    return (f & 1) ? __fmul_rn(b, c) + __fmul_rn(a, s) : __fmul_rn(a, c) - __fmul_rn(b, s);
}

// Euclidean norm of a row of dh floats (sequential fused multiply-adds), clamped below at 1e-12 (F.normalize).
__device__ inline float lsh_norm(const float* x, int dh, int stride) {
    float ss = 0.0f;
    for (int f = 0; f < dh; ++f) ss = fmaf(x[f * stride], x[f * stride], ss);
    return fmaxf(sqrtf(ss), 1e-12f);
}

// Gathers the bs sorted items of chunk `chunk` of row n into shared memory (block-strided; the caller
// synchronises): row j of K (stride kst) and, when given, of Q (stride dh) gets the rotary-turned qk row; row j of
// V (stride vst, when given) the value row; row j of G (when given) the upstream gradient of a query position
// p < T (0 for memory rows); pos/bkt each item's position and bucket.
__device__ inline void lsh_gather_chunk(const float* __restrict__ qk, const float* __restrict__ v,
                                        const float* __restrict__ g, const int* __restrict__ sticker,
                                        const int* __restrict__ bktRow, long long rowItems, int n, int chunk,
                                        const LshShape& s, const float* __restrict__ sn, const float* __restrict__ cs,
                                        float* Q, float* K, int kst, float* V, int vst, float* G, int* pos, int* bkt) {
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len;
    for (int e = threadIdx.x; e < bs * dh; e += blockDim.x) {
        int j = e / dh, f = e % dh;
        int item = sticker[rowItems + chunk * bs + j], p = item % len;
        long long at = ((long long) n * len + p) * dh;
        float x = lsh_rotated(qk + at, f, p, s.qlen, dh, sn, cs);
        K[j * kst + f] = x;
        if (V) V[j * vst + f] = v[at + f];
        if (Q) Q[j * dh + f] = x;
        if (G) G[j * dh + f] = p < s.qlen ? g[((long long) n * s.qlen + p) * dh + f] : 0.0f;
        if (f == 0) { pos[j] = p; bkt[j] = bktRow[item]; }
    }
}

// Gathers chunk c's window of row n (lsh_gather_chunk twice): keys j < bs are chunk c (also its queries, and
// G's rows), j >= bs the chunk before (`prev`).
__device__ inline void lsh_gather_window(const float* __restrict__ qk, const float* __restrict__ v,
                                         const float* __restrict__ g, const int* __restrict__ sticker,
                                         const int* __restrict__ bktRow, long long rowItems, int n, int c, int prev,
                                         const LshShape& s, const float* __restrict__ sn, const float* __restrict__ cs,
                                         float* Q, float* K, int kst, float* V, int vst, float* G, int* pos, int* bkt) {
    const int bs = (int) s.bs;
    lsh_gather_chunk(qk, v, g, sticker, bktRow, rowItems, n, c, s, sn, cs, Q, K, kst, V, vst, G, pos, bkt);
    lsh_gather_chunk(qk, v, nullptr, sticker, bktRow, rowItems, n, prev, s, sn, cs, nullptr, K + bs * kst, kst,
                     V + bs * vst, vst, nullptr, pos + bs, bkt + bs);
}

// lsh_gather_chunk on rows prepared once (lsh_attention_prepare_v1: qr the rotary-turned rows, ku the unit keys),
// copied as float4 (dh % 4 == 0; kst and vst multiples of 4): K gets ku's row, Q (when given) qr's.
__device__ inline void lsh_gather_chunk_prepared(const float* __restrict__ qr, const float* __restrict__ ku,
                                                 const float* __restrict__ v, const float* __restrict__ g,
                                                 const int* __restrict__ sticker, const int* __restrict__ bktRow,
                                                 long long rowItems, int n, int chunk, const LshShape& s, float* Q,
                                                 float* K, int kst, float* V, int vst, float* G, int* pos, int* bkt) {
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, d4 = dh >> 2;
    for (int e = threadIdx.x; e < bs * d4; e += blockDim.x) {
        int j = e / d4, f = (e - j * d4) << 2;
        int item = sticker[rowItems + chunk * bs + j], p = item % len;
        long long at = ((long long) n * len + p) * dh + f;
        *reinterpret_cast<float4*>(K + j * kst + f) = *reinterpret_cast<const float4*>(ku + at);
        *reinterpret_cast<float4*>(V + j * vst + f) = *reinterpret_cast<const float4*>(v + at);
        if (Q) *reinterpret_cast<float4*>(Q + j * dh + f) = *reinterpret_cast<const float4*>(qr + at);
        if (G) *reinterpret_cast<float4*>(G + j * dh + f) = p < s.qlen
                ? *reinterpret_cast<const float4*>(g + ((long long) n * s.qlen + p) * dh + f) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        if (f == 0) { pos[j] = p; bkt[j] = bktRow[item]; }
    }
}

// Divides each of the w2 gathered keys (rows of K, stride kst) by its norm (lsh_norm), one thread per key.
__device__ inline void lsh_normalise_keys(float* K, int w2, int dh, int kst) {
    for (int j = threadIdx.x; j < w2; j += blockDim.x) {
        float nrm = lsh_norm(K + j * kst, dh, 1);
        for (int f = 0; f < dh; ++f) K[j * kst + f] = K[j * kst + f] / nrm;
    }
}

// How many of the query's rounds share a chunk with the key (R:375-397): the chunk each round put a
// position in is undo/bs, and the chunk after it looks back onto it; with buckets not crossed, both are
// qualified by the item's bucket. `undo`, `bkt` point at the row.
__device__ inline int lsh_duplicates(const int* __restrict__ undo, const int* __restrict__ bkt, const LshShape& s,
                                     int pa, int pb) {
    int hashes = (int) s.hashes, bs = (int) s.bs, len = (int) s.len, chunks = hashes * len / bs, count = 0;
    for (int k = 0; k < hashes; ++k) {
        int ia = k * len + pa, ib = k * len + pb;
        int la = undo[ia] / bs, lb1 = undo[ib] / bs, lb2 = (lb1 + 1) % chunks;
        if (!s.across) {
            la += bkt[ia] * chunks;
            lb1 += bkt[ib] * chunks;
            lb2 += bkt[ib] * chunks;
        }
        count += (la == lb1) + (la == lb2);
    }
    return count;
}

// The score of query position pq (bucket bq) against key position pk (bucket bk) given x = dot * scale,
// with every mask applied in the reference order. *fixed = 1 where a mask replaced x (no gradient flows).
__device__ inline float lsh_score(float x, int pq, int pk, int bq, int bk, const unsigned char* __restrict__ mask,
                                  const int* __restrict__ undo, const int* __restrict__ bkt, const LshShape& s,
                                  int* fixed) {
    int fx = 0;
    if (mask != nullptr && !(mask[pq] && mask[pk])) { x = LSH_MASKED; fx = 1; }
    if (s.causal && pq < pk && (s.len == s.qlen || pk < s.qlen)) { x = LSH_MASKED; fx = 1; }
    if (pq == pk) { x = LSH_SELF_VALUE; fx = 1; }
    if (!s.across && bq != bk) { x = LSH_MASKED; fx = 1; }
    if (!s.dup) x = x - logf((float) lsh_duplicates(undo, bkt, s, pq, pk) + 1e-9f);
    *fixed = fx;
    return x;
}
