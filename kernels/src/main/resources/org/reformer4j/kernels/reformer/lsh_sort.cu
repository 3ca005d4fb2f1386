// lsh_sort.cu - per row, the stable sort of the H*L items j = k*L + p by key T*bucket[j] + (j mod L), i.e. by
// (round, bucket, position), and its inverse (reformer-pytorch LSHAttention.forward R:280-288; golden README
// 5.b): sticker[n, s] = the item at sorted place s, undo[n, j] = the sorted place of item j. Round k's
// buckets lie in [k*nb, (k+1)*nb), so round k fills places [k*L, (k+1)*L) and each round is a counting sort
// of its L positions by bucket - stable, exact, deterministic (no atomics decide an order).
// buckets/sticker/undo int32 [N, H*L]. Twin: LshSortCpu.
// Versions: v1 - a block of 256 threads per (row, round): shared histogram of the nb buckets, block scan,
//                then tiles of 256 positions in order, each item's rank among equal buckets of its tile
//                counted by a loop over the tile's earlier items;
//           v2 - as v1, but the warps of a tile place their 32 items in turn, each item's rank among the
//                equal buckets of its warp from ballots over the bucket bits (log2(nb + 1) votes), instead of
//                the quadratic loop.

#define LSH_SORT_BLOCK 256

// Exclusive prefix sum of cnt[0..nb) in place (block of LSH_SORT_BLOCK threads, contiguous segments).
__device__ inline void lsh_sort_scan(int* cnt, int nb, int* partial) {
    int per = (nb + LSH_SORT_BLOCK - 1) / LSH_SORT_BLOCK, b0 = threadIdx.x * per, sum = 0;
    for (int b = b0; b < b0 + per && b < nb; ++b) sum += cnt[b];
    partial[threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        int run = 0;
        for (int t = 0; t < LSH_SORT_BLOCK; ++t) { int c = partial[t]; partial[t] = run; run += c; }
    }
    __syncthreads();
    int run = partial[threadIdx.x];
    for (int b = b0; b < b0 + per && b < nb; ++b) { int c = cnt[b]; cnt[b] = run; run += c; }
    __syncthreads();
}

// Histogram and scan of round k: start[b] = first sorted place of bucket b (round base included).
__device__ inline void lsh_sort_starts(const int* __restrict__ bk, int* start, int* partial, int len, int nb, int k) {
    for (int b = threadIdx.x; b < nb; b += blockDim.x) start[b] = 0;
    __syncthreads();
    for (int p = threadIdx.x; p < len; p += blockDim.x) {
        int b = bk[p] - k * nb;
        if (b >= 0 && b < nb) atomicAdd(&start[b], 1);
    }
    __syncthreads();
    lsh_sort_scan(start, nb, partial);
    for (int b = threadIdx.x; b < nb; b += blockDim.x) start[b] += k * len;
    __syncthreads();
}

// Dynamic shared memory: (nb + 2 * 256) ints.
extern "C" __global__ void lsh_sort_v1(const int* __restrict__ buckets, int* __restrict__ sticker,
                                       int* __restrict__ undo, int rows, int len, int hashes, int nbuckets) {
    DYNAMIC_SHARED(int, smem);
    int* start = smem;
    int* partial = smem + nbuckets;
    int* tile = partial + LSH_SORT_BLOCK;
    int k = blockIdx.x, n = blockIdx.y;
    long long row = (long long) n * hashes * len;
    const int* bk = buckets + row + (long long) k * len;
    lsh_sort_starts(bk, start, partial, len, nbuckets, k);
    for (int t0 = 0; t0 < len; t0 += LSH_SORT_BLOCK) {
        int p = t0 + threadIdx.x, b = p < len ? bk[p] - k * nbuckets : -1;
        if (b >= nbuckets) b = -1;  // out of range: never placed (the launcher documents the precondition)
        tile[threadIdx.x] = b;
        __syncthreads();
        int rank = 0, last = 1;
        if (b >= 0) {
            for (int q = 0; q < (int) threadIdx.x; ++q) rank += tile[q] == b;
            for (int q = threadIdx.x + 1; q < LSH_SORT_BLOCK; ++q) last &= tile[q] != b;
            int at = start[b] + rank;
            sticker[row + at] = k * len + p;
            undo[row + (long long) k * len + p] = at;
        }
        __syncthreads();
        if (b >= 0 && last) start[b] += rank + 1;
        __syncthreads();
    }
}

// Dynamic shared memory: (nb + 256) ints. The warps of the block place their items of a tile in turn.
extern "C" __global__ void lsh_sort_v2(const int* __restrict__ buckets, int* __restrict__ sticker,
                                       int* __restrict__ undo, int rows, int len, int hashes, int nbuckets) {
    DYNAMIC_SHARED(int, smem);
    int* start = smem;
    int* partial = smem + nbuckets;
    int k = blockIdx.x, n = blockIdx.y, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int bits = 0;
    while ((1 << bits) < nbuckets + 1) ++bits;  // the bucket values and the "none" value nb
    long long row = (long long) n * hashes * len;
    const int* bk = buckets + row + (long long) k * len;
    lsh_sort_starts(bk, start, partial, len, nbuckets, k);
    for (int t0 = 0; t0 < len; t0 += LSH_SORT_BLOCK) {
        int p = t0 + threadIdx.x, b = p < len ? bk[p] - k * nbuckets : nbuckets;
        if (b < 0 || b > nbuckets) b = nbuckets;  // out of range: never placed
        for (int w = 0; w < LSH_SORT_BLOCK / 32; ++w) {
            if (warp == w) {
                // lanes holding the same value: AND over the bits of the ballot or of its complement
                unsigned same = 0xffffffffu;
                for (int i = 0; i < bits; ++i) {
                    unsigned ones = __ballot_sync(0xffffffffu, (b >> i) & 1);
                    same &= ((b >> i) & 1) ? ones : ~ones;
                }
                int rank = __popc(same & ((1u << lane) - 1u));
                if (b < nbuckets) {
                    int at = start[b] + rank;
                    sticker[row + at] = k * len + p;
                    undo[row + (long long) k * len + p] = at;
                }
                __syncwarp();
                if (b < nbuckets && (same >> lane) == 1u) start[b] += rank + 1;  // the group's last lane
            }
            __syncthreads();
        }
    }
}
