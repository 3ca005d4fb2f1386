// lsh_attention_forward.cu - sort-and-chunk LSH attention forward over shared query/keys (reformer-pytorch
// LSHAttention.forward after hashing, R:295-424; golden README 5.c-h). Per row n, the H*L sorted items are cut
// into C = H*L/bs chunks; chunk c's bs queries (rotary-turned qk rows, unnormalised) see 2bs keys: chunk c and
// chunk c-1 mod C, unit-normalised. Scores q.k * dh^-0.5 with every mask (lsh_common.cuh), softmax with its
// logsumexp, bo = p @ v. The [C, bs, 2bs] scores live only in shared memory. Then lsh_attention_combine
// unsorts and mixes the rounds: w[k,p] = exp(lse[k,p] - logsumexp_k lse), out[p] = sum_k w[k,p] bo[k,p].
// Saved for the backward: lse and w per sorted item [N, H*L] (w = 0 for memory rows p >= T).
// Attention dropout (reformer-pytorch's dropout of the softmax output): drop [N, H*L, 2bs] multiplies each
// probability (0 or 1/(1-rate), drawn by the caller) before p @ v; the logsumexp is the undropped one.
// qk, v [N, L, dh]; buckets/sticker/undo int32 [N, H*L]; mask uint8 [N, L] or null; sin/cos [T, dh/2] or
// null; drop float [N, H*L, 2bs] or null; bo [N, H*L, dh] (sorted order); out [N, T, dh].
// Twin: LshAttentionForwardCpu.
// Versions: v1 - a block of 128 threads per (chunk, row): queries, keys and values of the chunk and the one
//                before staged in shared memory, one warp per query row (scores strided over the lanes,
//                warp max/sum), output columns strided over the lanes. Combine: one warp per (row, position).
//           v2 - register tiles (bs <= 64, dh <= 64; other sizes run v1): a block of 256 threads per (chunk,
//                row) as a 16 x 16 grid; thread (ty, tx) keeps the scores of queries ty + 16a and keys tx + 16b
//                in registers (4 x 8: sized for bs = 64, edges clamped for smaller buckets), each a sequential fused multiply-add chain over f as in v1;
//                masks, then the row max/sum across the 16 lanes of a half-warp; the probabilities overwrite
//                the keys in shared memory and p @ v is tiled the same way (queries x output columns).
//                Combine: as v1.
//           v3 - version 2 on prepared rows (dh % 4 == 0, bs even; others run v2): lsh_attention_prepare_v1 first
//                writes every position's rotary-turned row and unit key once ([N, L, dh] each), so the gather
//                copies rows (float4) instead of turning and normalising them for each of the 2H windows a
//                position falls in; the tiles read shared memory as float4. Same sums in the same order as v2.
//                Combine: v2 (hashes <= 32; round weights once per position instead of once per column).
#include "lsh_common.cuh"

// Dynamic shared memory, in floats: bs*dh (queries) + 2bs*(dh+1) (keys) + 2bs*dh (values)
// + warps*2bs (scores) + 2*2bs (key positions and buckets, as ints).
extern "C" __global__ void lsh_attention_forward_v1(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        float* __restrict__ bo, float* __restrict__ lse, LshShape s, float scale) {
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, hl = (int) (s.hashes * s.len);
    const int chunks = hl / bs, w2 = 2 * bs, kst = dh + 1, nw = blockDim.x >> 5;
    const int c = blockIdx.x, n = blockIdx.y, prev = (c + chunks - 1) % chunks;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    DYNAMIC_SHARED(float, smem);
    float* Q = smem;
    float* K = Q + bs * dh;
    float* V = K + w2 * kst;
    float* P = V + w2 * dh;
    int* pos = reinterpret_cast<int*>(P + nw * w2);
    int* bkt = pos + w2;
    const long long rowItems = (long long) n * hl;
    const int* undoRow = undo + rowItems;
    const int* bktRow = buckets + rowItems;
    const unsigned char* maskRow = mask ? mask + (long long) n * len : nullptr;

    lsh_gather_window(qk, v, nullptr, sticker, bktRow, rowItems, n, c, prev, s, sn, cs, Q, K, kst, V, dh, nullptr, pos, bkt);
    __syncthreads();
    lsh_normalise_keys(K, w2, dh, kst);
    __syncthreads();

    float* Pw = P + warp * w2;
    for (int i = warp; i < bs; i += nw) {
        int pq = pos[i], bq = bkt[i];
        float mx = LSH_NEG_INF;
        for (int j = lane; j < w2; j += 32) {
            float dot = 0.0f;
            for (int f = 0; f < dh; ++f) dot = fmaf(Q[i * dh + f], K[j * kst + f], dot);
            int fixed;
            float x = lsh_score(__fmul_rn(dot, scale), pq, pos[j], bq, bkt[j], maskRow, undoRow, bktRow, s, &fixed);
            Pw[j] = x;
            mx = fmaxf(mx, x);
        }
        mx = lsh_warp_max(mx);
        float sum = 0.0f;
        for (int j = lane; j < w2; j += 32) sum += expf(Pw[j] - mx);
        float l = mx + logf(lsh_warp_sum(sum));
        const float* dropRow = drop ? drop + (rowItems + (long long) c * bs + i) * w2 : nullptr;
        for (int j = lane; j < w2; j += 32) {
            float pj = expf(Pw[j] - l);
            Pw[j] = dropRow ? __fmul_rn(pj, dropRow[j]) : pj;
        }
        __syncwarp();
        long long out = (rowItems + (long long) c * bs + i) * dh;
        for (int f = lane; f < dh; f += 32) {
            float acc = 0.0f;
            for (int j = 0; j < w2; ++j) acc = fmaf(Pw[j], V[j * dh + f], acc);
            bo[out + f] = acc;
        }
        if (lane == 0) lse[rowItems + (long long) c * bs + i] = l;
        __syncwarp();
    }
}

#if defined(__CUDACC_RTC__) || defined(__NVCC__)
#define LSH_UNROLL _Pragma("unroll")
#else
#define LSH_UNROLL
#endif

// Version 3's first pass: one warp per (row n, position p < L) writes qr, the rotary-turned qk row, and ku,
// the same row divided by its norm (lsh_norm: one sequential chain, as lsh_normalise_keys), and the norm (when
// `norms` is given, [N, L]: the backward's unsort) - the values the gather of versions 1 and 2 computes for every
// (round, window) a position falls in, computed once.
// Dynamic shared memory: warps * dh floats.
extern "C" __global__ void lsh_attention_prepare_v1(const float* __restrict__ qk, const float* __restrict__ sn,
                                                    const float* __restrict__ cs, float* __restrict__ qr,
                                                    float* __restrict__ ku, float* __restrict__ norms, LshShape s) {
    const int len = (int) s.len, dh = (int) s.dh, lane = threadIdx.x & 31;
    long long gw = (long long) blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (gw >= s.rows * s.len) return;
    DYNAMIC_SHARED(float, smem);
    float* x = smem + (threadIdx.x >> 5) * dh;
    const int p = (int) (gw % len);
    const long long at = gw * dh;
    for (int f = lane; f < dh; f += 32) {
        float r = lsh_rotated(qk + at, f, p, s.qlen, dh, sn, cs);
        x[f] = r;
        qr[at + f] = r;
    }
    __syncwarp();
    float nrm = lane == 0 ? lsh_norm(x, dh, 1) : 0.0f;
    nrm = __shfl_sync(0xffffffffu, nrm, 0);
    if (norms != nullptr && lane == 0) norms[gw] = nrm;
    for (int f = lane; f < dh; f += 32) ku[at + f] = x[f] / nrm;
}

// The body of versions 2 and 3 for MR query rows per thread (bs <= 16 MR) and MF output columns per thread
// (dh <= 16 MF). Version 2 (PREPARED false) gathers and turns qk itself and normalises the keys in shared
// memory, and reads shared memory one float at a time; version 3 (PREPARED true, dh % 4 == 0) copies the
// prepared rows and reads shared memory as float4 (keys at a stride of dh + 4 floats; each thread's output
// columns are 4 tx .. 4 tx + 3). Both run every sum in the same order: the same results.
// Dynamic shared memory, in floats: bs*dh (queries) + max(2bs*kst, bs*2bs) (keys, then probabilities)
// + 2bs*dh (values) + 2*2bs (key positions and buckets, as ints), kst = dh + 1 (v2) or dh + 4 (v3).
template <int MR, int MF, bool PREPARED>
__device__ inline void lsh_forward_tiles(
        const float* __restrict__ qk, const float* __restrict__ ku, const float* __restrict__ v,
        const int* __restrict__ buckets, const int* __restrict__ sticker, const int* __restrict__ undo,
        const unsigned char* __restrict__ mask, const float* __restrict__ sn, const float* __restrict__ cs,
        const float* __restrict__ drop, float* __restrict__ bo, float* __restrict__ lse, const LshShape& s,
        float scale, float* smem) {
    constexpr int MC = 2 * MR;
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, hl = (int) (s.hashes * s.len);
    const int chunks = hl / bs, w2 = 2 * bs, kst = PREPARED ? dh + 4 : dh + 1;
    const int c = blockIdx.x, n = blockIdx.y, prev = (c + chunks - 1) % chunks;
    const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
    float* Q = smem;
    float* K = Q + bs * dh;
    float* P = K;  // the probabilities replace the keys once the scores are in registers
    float* V = K + (w2 * kst > bs * w2 ? w2 * kst : bs * w2);
    int* pos = reinterpret_cast<int*>(V + w2 * dh);
    int* bkt = pos + w2;
    const long long rowItems = (long long) n * hl;
    const int* undoRow = undo + rowItems;
    const int* bktRow = buckets + rowItems;
    const unsigned char* maskRow = mask ? mask + (long long) n * len : nullptr;

    if constexpr (PREPARED) {
        lsh_gather_chunk_prepared(qk, ku, v, nullptr, sticker, bktRow, rowItems, n, c, s, Q, K, kst, V, dh, nullptr, pos, bkt);
        lsh_gather_chunk_prepared(qk, ku, v, nullptr, sticker, bktRow, rowItems, n, prev, s, nullptr, K + bs * kst, kst,
                                  V + bs * dh, dh, nullptr, pos + bs, bkt + bs);
        __syncthreads();
    } else {
        lsh_gather_window(qk, v, nullptr, sticker, bktRow, rowItems, n, c, prev, s, sn, cs, Q, K, kst, V, dh, nullptr, pos, bkt);
        __syncthreads();
        lsh_normalise_keys(K, w2, dh, kst);
        __syncthreads();
    }

    // rows and columns past the edge read the last valid one (their results are dropped)
    int ri[MR], cj[MC];
    LSH_UNROLL for (int a = 0; a < MR; ++a) ri[a] = ty + 16 * a < bs ? ty + 16 * a : bs - 1;
    LSH_UNROLL for (int b = 0; b < MC; ++b) cj[b] = tx + 16 * b < w2 ? tx + 16 * b : w2 - 1;
    float acc[MR][MC];
    LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MC; ++b) acc[a][b] = 0.0f;
    if constexpr (PREPARED) {
        for (int f = 0; f < dh; f += 4) {
            float4 qv[MR], kv[MC];
            LSH_UNROLL for (int a = 0; a < MR; ++a) qv[a] = *reinterpret_cast<const float4*>(Q + ri[a] * dh + f);
            LSH_UNROLL for (int b = 0; b < MC; ++b) kv[b] = *reinterpret_cast<const float4*>(K + cj[b] * kst + f);
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MC; ++b) {
                float t = fmaf(qv[a].x, kv[b].x, acc[a][b]);
                t = fmaf(qv[a].y, kv[b].y, t);
                t = fmaf(qv[a].z, kv[b].z, t);
                acc[a][b] = fmaf(qv[a].w, kv[b].w, t);
            }
        }
    } else {
        for (int f = 0; f < dh; ++f) {
            float qv[MR], kv[MC];
            LSH_UNROLL for (int a = 0; a < MR; ++a) qv[a] = Q[ri[a] * dh + f];
            LSH_UNROLL for (int b = 0; b < MC; ++b) kv[b] = K[cj[b] * kst + f];
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MC; ++b) acc[a][b] = fmaf(qv[a], kv[b], acc[a][b]);
        }
    }
    float rowLse[MR];
    LSH_UNROLL for (int a = 0; a < MR; ++a) {
        const int i = ty + 16 * a, pq = pos[ri[a]], bq = bkt[ri[a]];
        float mx = LSH_NEG_INF;
        LSH_UNROLL for (int b = 0; b < MC; ++b) {
            const int j = tx + 16 * b;
            if (i < bs && j < w2) {
                int fixed;
                acc[a][b] = lsh_score(__fmul_rn(acc[a][b], scale), pq, pos[j], bq, bkt[j], maskRow, undoRow, bktRow, s, &fixed);
                mx = fmaxf(mx, acc[a][b]);
            }
        }
        for (int m = 8; m > 0; m >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, m));
        float sum = 0.0f;
        LSH_UNROLL for (int b = 0; b < MC; ++b)
            if (i < bs && tx + 16 * b < w2) sum += expf(acc[a][b] - mx);
        for (int m = 8; m > 0; m >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, m);
        rowLse[a] = i < bs ? mx + logf(sum) : 0.0f;
    }
    __syncthreads();  // every thread is done with the keys: the probabilities go in their place
    LSH_UNROLL for (int a = 0; a < MR; ++a) {
        const int i = ty + 16 * a;
        if (i >= bs) continue;
        const float* dropRow = drop ? drop + (rowItems + (long long) c * bs + i) * w2 : nullptr;
        LSH_UNROLL for (int b = 0; b < MC; ++b) {
            const int j = tx + 16 * b;
            if (j < w2) {
                float pj = expf(acc[a][b] - rowLse[a]);
                P[i * w2 + j] = dropRow ? __fmul_rn(pj, dropRow[j]) : pj;
            }
        }
        if (tx == 0) lse[rowItems + (long long) c * bs + i] = rowLse[a];
    }
    __syncthreads();

    float o[MR][MF];
    LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) o[a][m] = 0.0f;
    if constexpr (PREPARED) {  // columns f0 .. f0 + 3 (MF = 4), clamped at the edge
        const int f0 = 4 * tx < dh ? 4 * tx : dh - 4;
        for (int j = 0; j < w2; j += 4) {
            float4 pv[MR];
            LSH_UNROLL for (int a = 0; a < MR; ++a) pv[a] = *reinterpret_cast<const float4*>(P + ri[a] * w2 + j);
            LSH_UNROLL for (int u = 0; u < 4; ++u) {
                const float4 vv = *reinterpret_cast<const float4*>(V + (j + u) * dh + f0);
                LSH_UNROLL for (int a = 0; a < MR; ++a) {
                    const float pu = u == 0 ? pv[a].x : u == 1 ? pv[a].y : u == 2 ? pv[a].z : pv[a].w;
                    o[a][0] = fmaf(pu, vv.x, o[a][0]);
                    o[a][1] = fmaf(pu, vv.y, o[a][1]);
                    o[a][2] = fmaf(pu, vv.z, o[a][2]);
                    o[a][3] = fmaf(pu, vv.w, o[a][3]);
                }
            }
        }
        if (4 * tx < dh)
            LSH_UNROLL for (int a = 0; a < MR; ++a) {
                const int i = ty + 16 * a;
                if (i < bs)
                    *reinterpret_cast<float4*>(bo + (rowItems + (long long) c * bs + i) * dh + 4 * tx) =
                            make_float4(o[a][0], o[a][1], o[a][2], o[a][3]);
            }
    } else {
        int fc[MF];
        LSH_UNROLL for (int m = 0; m < MF; ++m) fc[m] = tx + 16 * m < dh ? tx + 16 * m : dh - 1;
        for (int j = 0; j < w2; ++j) {
            float pv[MR], vv[MF];
            LSH_UNROLL for (int a = 0; a < MR; ++a) pv[a] = P[ri[a] * w2 + j];
            LSH_UNROLL for (int m = 0; m < MF; ++m) vv[m] = V[j * dh + fc[m]];
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) o[a][m] = fmaf(pv[a], vv[m], o[a][m]);
        }
        LSH_UNROLL for (int a = 0; a < MR; ++a) {
            const int i = ty + 16 * a;
            if (i >= bs) continue;
            long long out = (rowItems + (long long) c * bs + i) * dh;
            LSH_UNROLL for (int m = 0; m < MF; ++m)
                if (tx + 16 * m < dh) bo[out + tx + 16 * m] = o[a][m];
        }
    }
}

extern "C" __global__ void lsh_attention_forward_v2(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        float* __restrict__ bo, float* __restrict__ lse, LshShape s, float scale) {
    DYNAMIC_SHARED(float, smem);
    // one instantiation: each fully unrolled one costs the compiler ~10 s (nvcc here: 12 of them took 105 s of
    // CPU, 4 x 4 alone 13 s, 4 x 4 and 4 x 8 33 s); smaller buckets and heads run the same tiles with their edge
    // rows and columns clamped
    lsh_forward_tiles<4, 4, false>(qk, nullptr, v, buckets, sticker, undo, mask, sn, cs, drop, bo, lse, s, scale, smem);
}

// qr, ku: lsh_attention_prepare_v1's rows [N, L, dh] (dh % 4 == 0, bs even); the rest as version 2.
extern "C" __global__ void lsh_attention_forward_v3(
        const float* __restrict__ qr, const float* __restrict__ ku, const float* __restrict__ v,
        const int* __restrict__ buckets, const int* __restrict__ sticker, const int* __restrict__ undo,
        const unsigned char* __restrict__ mask, const float* __restrict__ drop, float* __restrict__ bo,
        float* __restrict__ lse, LshShape s, float scale) {
    DYNAMIC_SHARED(float, smem);
    lsh_forward_tiles<4, 4, true>(qr, ku, v, buckets, sticker, undo, mask, nullptr, nullptr, drop, bo, lse, s, scale, smem);
}

// One warp per (row, position p < L): the round weights from the H logsumexps of p, the weighted sum of
// its H outputs into out (p < T), and w saved per sorted item (0 for memory rows p >= T).
extern "C" __global__ void lsh_attention_combine_v1(const float* __restrict__ bo, const float* __restrict__ lse,
                                                    const int* __restrict__ undo, float* __restrict__ out,
                                                    float* __restrict__ weight, LshShape s) {
    const int len = (int) s.len, dh = (int) s.dh, hashes = (int) s.hashes, lane = threadIdx.x & 31;
    long long gw = (long long) blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (gw >= s.rows * s.len) return;
    int n = (int) (gw / len), p = (int) (gw % len);
    long long rowItems = (long long) n * hashes * len;
    const int* u = undo + rowItems + p;
    if (p >= s.qlen) {
        for (int k = lane; k < hashes; k += 32) weight[rowItems + u[(long long) k * len]] = 0.0f;
        return;
    }
    float mx = LSH_NEG_INF;
    for (int k = 0; k < hashes; ++k) mx = fmaxf(mx, lse[rowItems + u[(long long) k * len]]);
    float sum = 0.0f;
    for (int k = 0; k < hashes; ++k) sum += expf(lse[rowItems + u[(long long) k * len]] - mx);
    float all = mx + logf(sum);
    for (int f = lane; f < dh; f += 32) {
        float acc = 0.0f;
        for (int k = 0; k < hashes; ++k) {
            long long sk = rowItems + u[(long long) k * len];
            acc = fmaf(expf(lse[sk] - all), bo[sk * dh + f], acc);
        }
        out[((long long) n * s.qlen + p) * dh + f] = acc;
    }
    for (int k = lane; k < hashes; k += 32) {
        long long sk = rowItems + u[(long long) k * len];
        weight[sk] = expf(lse[sk] - all);
    }
}

// Version 2 of the combine (hashes <= 32): lane k holds round k's logsumexp and item; the max, the sum (in round
// order, through shuffles) and each round weight are computed once per position, not once per output column:
// the same operations in the same order as version 1, so the same results.
extern "C" __global__ void lsh_attention_combine_v2(const float* __restrict__ bo, const float* __restrict__ lse,
                                                    const int* __restrict__ undo, float* __restrict__ out,
                                                    float* __restrict__ weight, LshShape s) {
    const int len = (int) s.len, dh = (int) s.dh, hashes = (int) s.hashes, lane = threadIdx.x & 31;
    long long gw = (long long) blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (gw >= s.rows * s.len) return;
    int n = (int) (gw / len), p = (int) (gw % len);
    long long rowItems = (long long) n * hashes * len;
    const bool mine = lane < hashes;
    const long long sk = mine ? rowItems + undo[rowItems + (long long) lane * len + p] : 0;
    if (p >= s.qlen) {
        if (mine) weight[sk] = 0.0f;
        return;
    }
    const float lk = mine ? lse[sk] : LSH_NEG_INF;
    const float mx = lsh_warp_max(lk);
    const float ek = mine ? expf(lk - mx) : 0.0f;
    float sum = 0.0f;
    for (int k = 0; k < hashes; ++k) sum += __shfl_sync(0xffffffffu, ek, k);
    const float all = mx + logf(sum);
    const float wk = mine ? expf(lk - all) : 0.0f;
    if (mine) weight[sk] = wk;
    for (int f = lane; f < dh; f += 32) {
        float acc = 0.0f;
        for (int k = 0; k < hashes; ++k) {
            const long long at = __shfl_sync(0xffffffffu, sk, k);
            acc = fmaf(__shfl_sync(0xffffffffu, wk, k), bo[at * dh + f], acc);
        }
        out[((long long) n * s.qlen + p) * dh + f] = acc;
    }
}
