// lsh_attention_backward.cu - gradient of lsh_attention_forward.cu to qk and v, FlashAttention-style: the
// scores are recomputed per chunk from the saved logsumexp (never stored), p = exp(x - lse). With g = dL/dout,
// w the saved round weight of a query item and D = g[p] . out[p], the chain through the round mix and the
// softmax collapses to dx_ij = w_i p_ij (g_i . v_j - D_i) for a free score (0 where a mask fixed it), so
//   dq_i = scale sum_j dx_ij k^_j,   dk^_j = scale sum_i dx_ij q_i,   dv_j = sum_i w_i p_ij g_i.
// With attention dropout multipliers s_ij (drop, as in the forward): dx_ij = w_i p_ij (s_ij g_i . v_j - D_i)
// and dv_j = sum_i w_i p_ij s_ij g_i (the same D: out already holds the dropped mix).
// Each sorted item is a key of its own chunk and of the next one's look-back: two blocks add into its dk^ and
// dv (zeroed first), and two float additions onto 0 give the same sum in either order - deterministic.
// lsh_attention_unsort then gathers, per position, the H rounds' dq + normalisation backward of dk^
// ((dk^ - k^ (k^ . dk^)) / ||k||), turns it back by the rotary angle (p < T), and sums dv.
// Shapes as in lsh_attention_forward.cu; g, out [N, T, dh]; dq, dk, dv scratch [N, H*L, dh] in sorted order;
// dqk, dv [N, L, dh]. Twin: LshAttentionBackwardCpu.
// Versions: v1 - a block of 128 threads per (chunk, row): queries, normalised keys, values and gradient rows
//                in shared memory; one warp per query row computes its 2bs score gradients (kept in shared
//                memory) and dq; then one thread per (key, column) sums dk^ and dv over the bs queries in order.
//                Unsort: one warp per (row, position).
//           v2 - register tiles (bs <= 64, dh <= 64; other sizes run v1): a block
//                of 256 threads per (chunk, row) as a 16 x 16 grid; thread (ty, tx) recomputes the scores and
//                g . v of queries ty + 16a and keys tx + 16b in registers (sequential chains over f), writes the
//                score gradients and weighted probabilities to shared memory (the latter over the values), then
//                dq (queries x columns), dk^ and dv (keys x columns, one after the other) as register tiles,
//                dk^ and dv added with atomics as in v1. Unsort: as v1.
//           v3 - version 2's tiles over one half of the window at a time (the chunk's keys, then the chunk
//                before): half the shared memory (83 KB at bs = dh = 64), so two blocks fit on an SM where
//                version 2 fits one; the same sums in the same order (results equal v2's). Unsort: as v1.
//           v4 - version 3 on the rows lsh_attention_prepare_v1 (lsh_attention_forward.cu) writes once per
//                position (rotary-turned rows, unit keys; dh % 4 == 0, others run v3): float4 gather and
//                shared-memory tiles, no normalisation in the block. Results equal v2's. Unsort: v2 (reads the
//                prepared unit keys and norms instead of recomputing them in every lane).
#include "lsh_common.cuh"

#if defined(__CUDACC_RTC__) || defined(__NVCC__)
#define LSH_UNROLL _Pragma("unroll")
#else
#define LSH_UNROLL
#endif

// Dynamic shared memory, in floats: 2*bs*dh (queries, gradient rows) + 2*2bs*(dh+1) (keys, values)
// + 2*bs*2bs (score gradients, weighted probabilities) + 3*bs (w, lse, D) + 2*2bs (positions, buckets).
extern "C" __global__ void lsh_attention_backward_v1(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        const float* __restrict__ lse,
        const float* __restrict__ weight, const float* __restrict__ g, const float* __restrict__ out,
        float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv, LshShape s, float scale) {
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, hl = (int) (s.hashes * s.len);
    const int chunks = hl / bs, w2 = 2 * bs, kst = dh + 1, nw = blockDim.x >> 5;
    const int c = blockIdx.x, n = blockIdx.y, prev = (c + chunks - 1) % chunks;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    DYNAMIC_SHARED(float, smem);
    float* Q = smem;
    float* G = Q + bs * dh;
    float* K = G + bs * dh;
    float* V = K + w2 * kst;
    float* DX = V + w2 * kst;
    float* PW = DX + bs * w2;
    float* W = PW + bs * w2;
    float* LSE = W + bs;
    float* D = LSE + bs;
    int* pos = reinterpret_cast<int*>(D + bs);
    int* bkt = pos + w2;
    const long long rowItems = (long long) n * hl;
    const int* undoRow = undo + rowItems;
    const int* bktRow = buckets + rowItems;
    const unsigned char* maskRow = mask ? mask + (long long) n * len : nullptr;

    lsh_gather_window(qk, v, g, sticker, bktRow, rowItems, n, c, prev, s, sn, cs, Q, K, kst, V, kst, G, pos, bkt);
    for (int i = threadIdx.x; i < bs; i += blockDim.x) {
        W[i] = weight[rowItems + (long long) c * bs + i];
        LSE[i] = lse[rowItems + (long long) c * bs + i];
    }
    __syncthreads();
    lsh_normalise_keys(K, w2, dh, kst);
    __syncthreads();

    for (int i = warp; i < bs; i += nw) {
        int pq = pos[i], bq = bkt[i];
        float d = 0.0f;
        if (pq < s.qlen)
            for (int f = lane; f < dh; f += 32) d = fmaf(G[i * dh + f], out[((long long) n * s.qlen + pq) * dh + f], d);
        d = lsh_warp_sum(d);
        if (lane == 0) D[i] = d;
        float wi = W[i], li = LSE[i];
        const float* dropRow = drop ? drop + (rowItems + (long long) c * bs + i) * w2 : nullptr;
        for (int j = lane; j < w2; j += 32) {
            float dot = 0.0f, dp = 0.0f;
            for (int f = 0; f < dh; ++f) dot = fmaf(Q[i * dh + f], K[j * kst + f], dot);
            for (int f = 0; f < dh; ++f) dp = fmaf(G[i * dh + f], V[j * kst + f], dp);
            int fixed;
            float x = lsh_score(__fmul_rn(dot, scale), pq, pos[j], bq, bkt[j], maskRow, undoRow, bktRow, s, &fixed);
            float wp = wi * expf(x - li);
            if (dropRow) dp = __fmul_rn(dp, dropRow[j]);
            PW[i * w2 + j] = dropRow ? __fmul_rn(wp, dropRow[j]) : wp;
            DX[i * w2 + j] = fixed ? 0.0f : wp * (dp - d) * scale;
        }
        __syncwarp();
        long long at = (rowItems + (long long) c * bs + i) * dh;
        for (int f = lane; f < dh; f += 32) {
            float acc = 0.0f;
            for (int j = 0; j < w2; ++j) acc = fmaf(DX[i * w2 + j], K[j * kst + f], acc);
            dq[at + f] = acc;
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < w2 * dh; e += blockDim.x) {
        int j = e / dh, f = e % dh;
        float ak = 0.0f, av = 0.0f;
        for (int i = 0; i < bs; ++i) {
            ak = fmaf(DX[i * w2 + j], Q[i * dh + f], ak);
            av = fmaf(PW[i * w2 + j], G[i * dh + f], av);
        }
        long long at = (rowItems + (long long) (j < bs ? c * bs + j : prev * bs + j - bs)) * dh + f;
        atomicAdd(dk + at, ak);
        atomicAdd(dv + at, av);
    }
}

// Version 2's body for MR query rows per thread (bs <= 16 MR) and MF columns per thread (dh <= 16 MF, MF <= 4:
// eight columns per thread would need more than 255 registers).
// Dynamic shared memory, in floats: 2*bs*dh (queries, gradient rows) + 2bs*(dh+1) (keys)
// + max(2bs*(dh+1), bs*2bs) (values, then weighted probabilities) + bs*2bs (score gradients)
// + 3*bs (w, lse, D) + 2*2bs (positions, buckets).
template <int MR, int MF>
__device__ inline void lsh_backward_tiles(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        const float* __restrict__ lse, const float* __restrict__ weight, const float* __restrict__ g,
        const float* __restrict__ out, float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv,
        const LshShape& s, float scale, float* smem) {
    constexpr int MC = 2 * MR;
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, hl = (int) (s.hashes * s.len);
    const int chunks = hl / bs, w2 = 2 * bs, kst = dh + 1, nw = blockDim.x >> 5;
    const int c = blockIdx.x, n = blockIdx.y, prev = (c + chunks - 1) % chunks;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
    float* Q = smem;
    float* G = Q + bs * dh;
    float* K = G + bs * dh;
    float* V = K + w2 * kst;
    float* PW = V;  // the weighted probabilities replace the values once g . v is in registers
    float* DX = V + (w2 * kst > bs * w2 ? w2 * kst : bs * w2);
    float* W = DX + bs * w2;
    float* LSE = W + bs;
    float* D = LSE + bs;
    int* pos = reinterpret_cast<int*>(D + bs);
    int* bkt = pos + w2;
    const long long rowItems = (long long) n * hl;
    const int* undoRow = undo + rowItems;
    const int* bktRow = buckets + rowItems;
    const unsigned char* maskRow = mask ? mask + (long long) n * len : nullptr;

    lsh_gather_window(qk, v, g, sticker, bktRow, rowItems, n, c, prev, s, sn, cs, Q, K, kst, V, kst, G, pos, bkt);
    for (int i = threadIdx.x; i < bs; i += blockDim.x) {
        W[i] = weight[rowItems + (long long) c * bs + i];
        LSE[i] = lse[rowItems + (long long) c * bs + i];
    }
    __syncthreads();
    lsh_normalise_keys(K, w2, dh, kst);
    for (int i = warp; i < bs; i += nw) {  // D_i = g_i . out_i, one warp per query
        int pq = pos[i];
        float d = 0.0f;
        if (pq < s.qlen)
            for (int f = lane; f < dh; f += 32) d = fmaf(G[i * dh + f], out[((long long) n * s.qlen + pq) * dh + f], d);
        d = lsh_warp_sum(d);
        if (lane == 0) D[i] = d;
    }
    __syncthreads();

    int ri[MR], cj[MC], fc[MF];
    LSH_UNROLL for (int a = 0; a < MR; ++a) ri[a] = ty + 16 * a < bs ? ty + 16 * a : bs - 1;
    LSH_UNROLL for (int b = 0; b < MC; ++b) cj[b] = tx + 16 * b < w2 ? tx + 16 * b : w2 - 1;
    LSH_UNROLL for (int m = 0; m < MF; ++m) fc[m] = tx + 16 * m < dh ? tx + 16 * m : dh - 1;
    {
        float sc[MR][MC], gp[MR][MC];
        LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MC; ++b) { sc[a][b] = 0.0f; gp[a][b] = 0.0f; }
        for (int f = 0; f < dh; ++f) {
            float qv[MR], gv[MR], kv[MC], vv[MC];
            LSH_UNROLL for (int a = 0; a < MR; ++a) { qv[a] = Q[ri[a] * dh + f]; gv[a] = G[ri[a] * dh + f]; }
            LSH_UNROLL for (int b = 0; b < MC; ++b) { kv[b] = K[cj[b] * kst + f]; vv[b] = V[cj[b] * kst + f]; }
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MC; ++b) {
                sc[a][b] = fmaf(qv[a], kv[b], sc[a][b]);
                gp[a][b] = fmaf(gv[a], vv[b], gp[a][b]);
            }
        }
        __syncthreads();  // every thread is done with the values: the weighted probabilities go in their place
        LSH_UNROLL for (int a = 0; a < MR; ++a) {
            const int i = ty + 16 * a;
            if (i >= bs) continue;
            const int pq = pos[i], bq = bkt[i];
            const float wi = W[i], li = LSE[i], di = D[i];
            const float* dropRow = drop ? drop + (rowItems + (long long) c * bs + i) * w2 : nullptr;
            LSH_UNROLL for (int b = 0; b < MC; ++b) {
                const int j = tx + 16 * b;
                if (j >= w2) continue;
                int fixed;
                float x = lsh_score(__fmul_rn(sc[a][b], scale), pq, pos[j], bq, bkt[j], maskRow, undoRow, bktRow, s, &fixed);
                float wp = wi * expf(x - li), dp = gp[a][b];
                if (dropRow) dp = __fmul_rn(dp, dropRow[j]);
                PW[i * w2 + j] = dropRow ? __fmul_rn(wp, dropRow[j]) : wp;
                DX[i * w2 + j] = fixed ? 0.0f : wp * (dp - di) * scale;
            }
        }
    }
    __syncthreads();

    {  // dq_i = sum_j dx_ij k^_j
        float acc[MR][MF];
        LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[a][m] = 0.0f;
        for (int j = 0; j < w2; ++j) {
            float xv[MR], kv[MF];
            LSH_UNROLL for (int a = 0; a < MR; ++a) xv[a] = DX[ri[a] * w2 + j];
            LSH_UNROLL for (int m = 0; m < MF; ++m) kv[m] = K[j * kst + fc[m]];
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[a][m] = fmaf(xv[a], kv[m], acc[a][m]);
        }
        LSH_UNROLL for (int a = 0; a < MR; ++a) {
            const int i = ty + 16 * a;
            if (i >= bs) continue;
            long long at = (rowItems + (long long) c * bs + i) * dh;
            LSH_UNROLL for (int m = 0; m < MF; ++m)
                if (tx + 16 * m < dh) dq[at + tx + 16 * m] = acc[a][m];
        }
    }
    // dk^_j = sum_i dx_ij q_i, then dv_j = sum_i pw_ij g_i: keys ty + 16b, columns tx + 16m
    int kj[MC];
    LSH_UNROLL for (int b = 0; b < MC; ++b) kj[b] = ty + 16 * b < w2 ? ty + 16 * b : w2 - 1;
    for (int pass = 0; pass < 2; ++pass) {
        const float* L = pass == 0 ? DX : PW;
        const float* R = pass == 0 ? Q : G;
        float* target = pass == 0 ? dk : dv;
        float acc[MC][MF];
        LSH_UNROLL for (int b = 0; b < MC; ++b) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[b][m] = 0.0f;
        for (int i = 0; i < bs; ++i) {
            float lv[MC], rv[MF];
            LSH_UNROLL for (int b = 0; b < MC; ++b) lv[b] = L[i * w2 + kj[b]];
            LSH_UNROLL for (int m = 0; m < MF; ++m) rv[m] = R[i * dh + fc[m]];
            LSH_UNROLL for (int b = 0; b < MC; ++b) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[b][m] = fmaf(lv[b], rv[m], acc[b][m]);
        }
        LSH_UNROLL for (int b = 0; b < MC; ++b) {
            const int j = ty + 16 * b;
            if (j >= w2) continue;
            long long at = (rowItems + (long long) (j < bs ? c * bs + j : prev * bs + j - bs)) * dh;
            LSH_UNROLL for (int m = 0; m < MF; ++m)
                if (tx + 16 * m < dh) atomicAdd(target + at + tx + 16 * m, acc[b][m]);
        }
    }
}

extern "C" __global__ void lsh_attention_backward_v2(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        const float* __restrict__ lse,
        const float* __restrict__ weight, const float* __restrict__ g, const float* __restrict__ out,
        float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv, LshShape s, float scale) {
    DYNAMIC_SHARED(float, smem);
    // one instantiation (as the forward's v2: each costs the compiler seconds); smaller buckets and heads run
    // the same tiles with their edge rows and columns clamped
    lsh_backward_tiles<4, 4>(qk, v, buckets, sticker, undo, mask, sn, cs, drop, lse, weight, g, out, dq, dk, dv, s, scale, smem);
}

// The body of versions 3 and 4: version 2's tiles over one half of the window at a time (the chunk's own keys,
// then the chunk before), so that a block holds bs keys, values, score gradients and probabilities instead of
// 2bs: 83 KB instead of 133 KB of shared memory at bs = dh = 64, two blocks per SM instead of one. Version 3
// (PREPARED false) gathers and turns qk itself and normalises the keys in shared memory, reading it one float at
// a time; version 4 (PREPARED true, dh % 4 == 0) copies the rows lsh_attention_prepare_v1 wrote and reads shared
// memory as float4, each thread's columns being 4 tx .. 4 tx + 3. Every sum runs in version 2's order (dq over
// the first half's keys, then the second's, in one chain), so the results are version 2's bit for bit.
// MR query rows and MR keys of the half per thread (bs <= 16 MR), MF columns (dh <= 16 MF; MF = 4 for v4).
// Dynamic shared memory, in floats: 2*bs*dh (queries, gradient rows) + bs*kst (keys)
// + max(bs*kst, bs*bs) (values, then weighted probabilities) + bs*bs (score gradients) + 3*bs (w, lse, D)
// + 4*bs (query and key positions and buckets, as ints), kst = dh + 1 (v3) or dh + 4 (v4).
template <int MR, int MF, bool PREPARED>
__device__ inline void lsh_backward_halves(
        const float* __restrict__ qk, const float* __restrict__ ku, const float* __restrict__ v,
        const int* __restrict__ buckets, const int* __restrict__ sticker, const int* __restrict__ undo,
        const unsigned char* __restrict__ mask, const float* __restrict__ sn, const float* __restrict__ cs,
        const float* __restrict__ drop, const float* __restrict__ lse, const float* __restrict__ weight,
        const float* __restrict__ g, const float* __restrict__ out, float* __restrict__ dq, float* __restrict__ dk,
        float* __restrict__ dv, const LshShape& s, float scale, float* smem) {
    const int bs = (int) s.bs, dh = (int) s.dh, len = (int) s.len, hl = (int) (s.hashes * s.len);
    const int chunks = hl / bs, w2 = 2 * bs, kst = PREPARED ? dh + 4 : dh + 1, nw = blockDim.x >> 5;
    const int c = blockIdx.x, n = blockIdx.y, prev = (c + chunks - 1) % chunks;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, ty = threadIdx.x >> 4, tx = threadIdx.x & 15;
    float* Q = smem;
    float* G = Q + bs * dh;
    float* K = G + bs * dh;
    float* V = K + bs * kst;
    float* PW = V;  // the weighted probabilities replace the values once g . v is in registers
    float* DX = V + (bs * kst > bs * bs ? bs * kst : bs * bs);
    float* W = DX + bs * bs;
    float* LSE = W + bs;
    float* D = LSE + bs;
    int* qpos = reinterpret_cast<int*>(D + bs);
    int* qbkt = qpos + bs;
    int* kpos = qbkt + bs;
    int* kbkt = kpos + bs;
    const long long rowItems = (long long) n * hl;
    const int* undoRow = undo + rowItems;
    const int* bktRow = buckets + rowItems;
    const unsigned char* maskRow = mask ? mask + (long long) n * len : nullptr;

    int ri[MR], cj[MR], kj[MR], fc[MF];
    LSH_UNROLL for (int a = 0; a < MR; ++a) ri[a] = ty + 16 * a < bs ? ty + 16 * a : bs - 1;
    LSH_UNROLL for (int b = 0; b < MR; ++b) cj[b] = tx + 16 * b < bs ? tx + 16 * b : bs - 1;
    LSH_UNROLL for (int b = 0; b < MR; ++b) kj[b] = ty + 16 * b < bs ? ty + 16 * b : bs - 1;
    // a thread's output columns: tx + 16m (v3), or f0 + m (v4: four adjacent, clamped at the edge)
    const int f0 = 4 * tx < dh ? 4 * tx : dh - 4;
    LSH_UNROLL for (int m = 0; m < MF; ++m) fc[m] = PREPARED ? f0 + m : tx + 16 * m < dh ? tx + 16 * m : dh - 1;
    auto mine = [&](int m) { return PREPARED ? 4 * tx < dh : tx + 16 * m < dh; };  // column m is this thread's to write
    float dqa[MR][MF];
    LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) dqa[a][m] = 0.0f;

    for (int h = 0; h < 2; ++h) {
        const int chunk = h == 0 ? c : prev;
        int* kp = h == 0 ? qpos : kpos;  // the first half's keys are the queries
        int* kb = h == 0 ? qbkt : kbkt;
        if (h == 1) __syncthreads();  // the first half's readers of K, PW and DX are done
        if constexpr (PREPARED)
            lsh_gather_chunk_prepared(qk, ku, v, g, sticker, bktRow, rowItems, n, chunk, s, h == 0 ? Q : nullptr, K, kst,
                                      V, kst, h == 0 ? G : nullptr, kp, kb);
        else
            lsh_gather_chunk(qk, v, g, sticker, bktRow, rowItems, n, chunk, s, sn, cs, h == 0 ? Q : nullptr, K, kst, V,
                             kst, h == 0 ? G : nullptr, kp, kb);
        if (h == 0)
            for (int i = threadIdx.x; i < bs; i += blockDim.x) {
                W[i] = weight[rowItems + (long long) c * bs + i];
                LSE[i] = lse[rowItems + (long long) c * bs + i];
            }
        __syncthreads();
        if constexpr (!PREPARED) lsh_normalise_keys(K, bs, dh, kst);
        if (h == 0)
            for (int i = warp; i < bs; i += nw) {  // D_i = g_i . out_i, one warp per query
                int pq = qpos[i];
                float d = 0.0f;
                if (pq < s.qlen)
                    for (int f = lane; f < dh; f += 32) d = fmaf(G[i * dh + f], out[((long long) n * s.qlen + pq) * dh + f], d);
                d = lsh_warp_sum(d);
                if (lane == 0) D[i] = d;
            }
        __syncthreads();
        {
            float sc[MR][MR], gp[MR][MR];
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MR; ++b) { sc[a][b] = 0.0f; gp[a][b] = 0.0f; }
            if constexpr (PREPARED) {
                for (int f = 0; f < dh; f += 4) {
                    float4 qv[MR], gv[MR], kv[MR], vv[MR];
                    LSH_UNROLL for (int a = 0; a < MR; ++a) {
                        qv[a] = *reinterpret_cast<const float4*>(Q + ri[a] * dh + f);
                        gv[a] = *reinterpret_cast<const float4*>(G + ri[a] * dh + f);
                    }
                    LSH_UNROLL for (int b = 0; b < MR; ++b) {
                        kv[b] = *reinterpret_cast<const float4*>(K + cj[b] * kst + f);
                        vv[b] = *reinterpret_cast<const float4*>(V + cj[b] * kst + f);
                    }
                    LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MR; ++b) {
                        float t = fmaf(qv[a].x, kv[b].x, sc[a][b]), u = fmaf(gv[a].x, vv[b].x, gp[a][b]);
                        t = fmaf(qv[a].y, kv[b].y, t);
                        u = fmaf(gv[a].y, vv[b].y, u);
                        t = fmaf(qv[a].z, kv[b].z, t);
                        u = fmaf(gv[a].z, vv[b].z, u);
                        sc[a][b] = fmaf(qv[a].w, kv[b].w, t);
                        gp[a][b] = fmaf(gv[a].w, vv[b].w, u);
                    }
                }
            } else {
                for (int f = 0; f < dh; ++f) {
                    float qv[MR], gv[MR], kv[MR], vv[MR];
                    LSH_UNROLL for (int a = 0; a < MR; ++a) { qv[a] = Q[ri[a] * dh + f]; gv[a] = G[ri[a] * dh + f]; }
                    LSH_UNROLL for (int b = 0; b < MR; ++b) { kv[b] = K[cj[b] * kst + f]; vv[b] = V[cj[b] * kst + f]; }
                    LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int b = 0; b < MR; ++b) {
                        sc[a][b] = fmaf(qv[a], kv[b], sc[a][b]);
                        gp[a][b] = fmaf(gv[a], vv[b], gp[a][b]);
                    }
                }
            }
            __syncthreads();  // every thread is done with the values: the weighted probabilities go in their place
            LSH_UNROLL for (int a = 0; a < MR; ++a) {
                const int i = ty + 16 * a;
                if (i >= bs) continue;
                const int pq = qpos[i], bq = qbkt[i];
                const float wi = W[i], li = LSE[i], di = D[i];
                const float* dropRow = drop ? drop + (rowItems + (long long) c * bs + i) * w2 + h * bs : nullptr;
                LSH_UNROLL for (int b = 0; b < MR; ++b) {
                    const int jl = tx + 16 * b;
                    if (jl >= bs) continue;
                    int fixed;
                    float x = lsh_score(__fmul_rn(sc[a][b], scale), pq, kp[jl], bq, kb[jl], maskRow, undoRow, bktRow, s, &fixed);
                    float wp = wi * expf(x - li), dp = gp[a][b];
                    if (dropRow) dp = __fmul_rn(dp, dropRow[jl]);
                    PW[i * bs + jl] = dropRow ? __fmul_rn(wp, dropRow[jl]) : wp;
                    DX[i * bs + jl] = fixed ? 0.0f : wp * (dp - di) * scale;
                }
            }
        }
        __syncthreads();
        // dq_i += sum_j dx_ij k^_j over this half's keys
        for (int jl = 0; jl < bs; ++jl) {
            float xv[MR], kv[MF];
            LSH_UNROLL for (int a = 0; a < MR; ++a) xv[a] = DX[ri[a] * bs + jl];
            if constexpr (PREPARED) {
                const float4 k4 = *reinterpret_cast<const float4*>(K + jl * kst + f0);
                kv[0] = k4.x; kv[1] = k4.y; kv[2] = k4.z; kv[3] = k4.w;
            } else {
                LSH_UNROLL for (int m = 0; m < MF; ++m) kv[m] = K[jl * kst + fc[m]];
            }
            LSH_UNROLL for (int a = 0; a < MR; ++a) LSH_UNROLL for (int m = 0; m < MF; ++m) dqa[a][m] = fmaf(xv[a], kv[m], dqa[a][m]);
        }
        // dk^_j = sum_i dx_ij q_i, then dv_j = sum_i pw_ij g_i: this half's keys ty + 16b, columns fc
        for (int pass = 0; pass < 2; ++pass) {
            const float* L = pass == 0 ? DX : PW;
            const float* R = pass == 0 ? Q : G;
            float* target = pass == 0 ? dk : dv;
            float acc[MR][MF];
            LSH_UNROLL for (int b = 0; b < MR; ++b) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[b][m] = 0.0f;
            for (int i = 0; i < bs; ++i) {
                float lv[MR], rv[MF];
                LSH_UNROLL for (int b = 0; b < MR; ++b) lv[b] = L[i * bs + kj[b]];
                if constexpr (PREPARED) {
                    const float4 r4 = *reinterpret_cast<const float4*>(R + i * dh + f0);
                    rv[0] = r4.x; rv[1] = r4.y; rv[2] = r4.z; rv[3] = r4.w;
                } else {
                    LSH_UNROLL for (int m = 0; m < MF; ++m) rv[m] = R[i * dh + fc[m]];
                }
                LSH_UNROLL for (int b = 0; b < MR; ++b) LSH_UNROLL for (int m = 0; m < MF; ++m) acc[b][m] = fmaf(lv[b], rv[m], acc[b][m]);
            }
            LSH_UNROLL for (int b = 0; b < MR; ++b) {
                const int jl = ty + 16 * b;
                if (jl >= bs) continue;
                long long at = (rowItems + (long long) chunk * bs + jl) * dh;
                LSH_UNROLL for (int m = 0; m < MF; ++m)
                    if (mine(m)) atomicAdd(target + at + fc[m], acc[b][m]);
            }
        }
    }
    LSH_UNROLL for (int a = 0; a < MR; ++a) {
        const int i = ty + 16 * a;
        if (i >= bs) continue;
        long long at = (rowItems + (long long) c * bs + i) * dh;
        LSH_UNROLL for (int m = 0; m < MF; ++m)
            if (mine(m)) dq[at + fc[m]] = dqa[a][m];
    }
}

extern "C" __global__ __launch_bounds__(256, 2) void lsh_attention_backward_v3(
        const float* __restrict__ qk, const float* __restrict__ v, const int* __restrict__ buckets,
        const int* __restrict__ sticker, const int* __restrict__ undo, const unsigned char* __restrict__ mask,
        const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ drop,
        const float* __restrict__ lse,
        const float* __restrict__ weight, const float* __restrict__ g, const float* __restrict__ out,
        float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv, LshShape s, float scale) {
    DYNAMIC_SHARED(float, smem);
    lsh_backward_halves<4, 4, false>(qk, nullptr, v, buckets, sticker, undo, mask, sn, cs, drop, lse, weight, g, out, dq,
                                     dk, dv, s, scale, smem);
}

// qr, ku: lsh_attention_prepare_v1's rows [N, L, dh] (dh % 4 == 0); the rest as version 3.
extern "C" __global__ __launch_bounds__(256, 2) void lsh_attention_backward_v4(
        const float* __restrict__ qr, const float* __restrict__ ku, const float* __restrict__ v,
        const int* __restrict__ buckets, const int* __restrict__ sticker, const int* __restrict__ undo,
        const unsigned char* __restrict__ mask, const float* __restrict__ drop, const float* __restrict__ lse,
        const float* __restrict__ weight, const float* __restrict__ g, const float* __restrict__ out,
        float* __restrict__ dq, float* __restrict__ dk, float* __restrict__ dv, LshShape s, float scale) {
    DYNAMIC_SHARED(float, smem);
    lsh_backward_halves<4, 4, true>(qr, ku, v, buckets, sticker, undo, mask, nullptr, nullptr, drop, lse, weight, g, out,
                                    dq, dk, dv, s, scale, smem);
}

// The unsort of one (row, position p < L) per warp: the H rounds' dq plus the normalisation backward of dk^,
// turned back by the rotary angle, into dqk; the H rounds' dv summed into dv. Version 1 (PREPARED false) turns
// the qk row and sums its squares in every lane (the forward's order) for the unit key and its norm; version 2
// (after backward v4) reads them from lsh_attention_prepare_v1's ku and norms - the same values, the same results.
// Dynamic shared memory: warps * H floats (the per-round dots k^ . dk^).
template <bool PREPARED>
__device__ inline void lsh_unsort(const float* __restrict__ qk, const float* __restrict__ ku,
                                  const float* __restrict__ norms, const int* __restrict__ undo,
                                  const float* __restrict__ sn, const float* __restrict__ cs, const float* __restrict__ dq,
                                  const float* __restrict__ dk, const float* __restrict__ dvs, float* __restrict__ dqk,
                                  float* __restrict__ dv, const LshShape& s) {
    DYNAMIC_SHARED(float, smem);
    const int len = (int) s.len, dh = (int) s.dh, hashes = (int) s.hashes, lane = threadIdx.x & 31;
    long long gw = (long long) blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (gw >= s.rows * s.len) return;
    float* dots = smem + (threadIdx.x >> 5) * hashes;
    int n = (int) (gw / len), p = (int) (gw % len);
    long long rowItems = (long long) n * hashes * len, at = ((long long) n * len + p) * dh;
    const int* u = undo + rowItems + p;
    float nrm;
    bool clamped;
    if constexpr (PREPARED) {
        nrm = norms[gw];
        clamped = !(nrm > 1e-12f);  // fmaxf(sqrt, 1e-12) > 1e-12 exactly when the sqrt is
    } else {  // the rotated row's norm, summed in the forward's order (every lane alike)
        float ss = 0.0f;
        for (int f = 0; f < dh; ++f) {
            float x = lsh_rotated(qk + at, f, p, s.qlen, dh, sn, cs);
            ss = fmaf(x, x, ss);
        }
        nrm = fmaxf(sqrtf(ss), 1e-12f);
        clamped = !(sqrtf(ss) > 1e-12f);
    }
    auto unitKey = [&](int f) { return PREPARED ? ku[at + f] : lsh_rotated(qk + at, f, p, s.qlen, dh, sn, cs) / nrm; };
    for (int k = 0; k < hashes; ++k) {
        long long sk = (rowItems + u[(long long) k * len]) * dh;
        float d = 0.0f;
        for (int f = lane; f < dh; f += 32) d = fmaf(unitKey(f), dk[sk + f], d);
        d = lsh_warp_sum(d);
        if (lane == 0) dots[k] = d;
    }
    __syncwarp();
    bool turn = sn != nullptr && p < s.qlen;
    for (int f0 = 0; f0 < dh; f0 += 32) {
        int f = f0 + lane;
        float gq = 0.0f, gv = 0.0f;
        if (f < dh) {
            float kh = unitKey(f);
            for (int k = 0; k < hashes; ++k) {
                long long sk = (rowItems + u[(long long) k * len]) * dh;
                float dn = clamped ? dk[sk + f] / nrm : (dk[sk + f] - kh * dots[k]) / nrm;
                gq += dq[sk + f] + dn;
                gv += dvs[sk + f];
            }
        }
        // the transpose of the turn: pair (2i, 2i+1) gets (a cos + b sin, b cos - a sin)
        float other = __shfl_xor_sync(0xffffffffu, gq, 1);
        if (f < dh) {
            if (turn) {
                int half = dh >> 1, i = f >> 1;
                float sv = sn[(long long) p * half + i], cv = cs[(long long) p * half + i];
                gq = (f & 1) ? __fmul_rn(gq, cv) - __fmul_rn(other, sv) : __fmul_rn(gq, cv) + __fmul_rn(other, sv);
            }
            dqk[at + f] = gq;
            dv[at + f] = gv;
        }
    }
}

extern "C" __global__ void lsh_attention_unsort_v1(const float* __restrict__ qk, const int* __restrict__ undo,
                                                   const float* __restrict__ sn, const float* __restrict__ cs,
                                                   const float* __restrict__ dq, const float* __restrict__ dk,
                                                   const float* __restrict__ dvs, float* __restrict__ dqk,
                                                   float* __restrict__ dv, LshShape s) {
    lsh_unsort<false>(qk, nullptr, nullptr, undo, sn, cs, dq, dk, dvs, dqk, dv, s);
}

extern "C" __global__ void lsh_attention_unsort_v2(const float* __restrict__ ku, const float* __restrict__ norms,
                                                   const int* __restrict__ undo, const float* __restrict__ sn,
                                                   const float* __restrict__ cs, const float* __restrict__ dq,
                                                   const float* __restrict__ dk, const float* __restrict__ dvs,
                                                   float* __restrict__ dqk, float* __restrict__ dv, LshShape s) {
    lsh_unsort<true>(nullptr, ku, norms, undo, sn, cs, dq, dk, dvs, dqk, dv, s);
}
