// philox.cuh - Philox-4x32-10 on the device, and the word -> number conversions of
// org.reformer4j.core.random.Generator, so that a kernel draws exactly the numbers the CPU generator draws:
// block b of key (seed, stream) is philox(ctr = [lo(b), hi(b), lo(stream), hi(stream)], key = [lo(seed),
// hi(seed)]); element e of a fill starting at block `start` is lane e%4 of block start + e/4.
// Mirrors Random123's philox4x32_R (Salmon et al., SC11) round for round.
#pragma once

struct PhiloxWords { unsigned int x[4]; };

__device__ inline PhiloxWords philox4x32_10(unsigned int c0, unsigned int c1, unsigned int c2, unsigned int c3,
                                             unsigned int k0, unsigned int k1) {
    const unsigned int M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += W0; k1 += W1; }
        unsigned int hi0 = __umulhi(M0, c0), lo0 = M0 * c0;
        unsigned int hi1 = __umulhi(M1, c2), lo1 = M1 * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    }
    PhiloxWords w;
    w.x[0] = c0; w.x[1] = c1; w.x[2] = c2; w.x[3] = c3;
    return w;
}

// Block `b` of the generator keyed by (seed, stream).
__device__ inline PhiloxWords philox_block(unsigned long long seed, unsigned long long stream, unsigned long long b) {
    return philox4x32_10((unsigned int) b, (unsigned int) (b >> 32), (unsigned int) stream,
                         (unsigned int) (stream >> 32), (unsigned int) seed, (unsigned int) (seed >> 32));
}

// Generator.uniform24: (x >>> 8) * 2^-24, a float in [0, 1), exact.
__device__ inline float philox_uniform24(unsigned int x) {
    return (float) (x >> 8) * 5.9604644775390625e-08f;
}

// Generator.fillNormal (float32): Box-Muller on a pair of words, in float64; `second` picks r*sin(t).
__device__ inline float philox_normal_pair(unsigned int a, unsigned int b, int second) {
    double u = (double) ((a >> 8) + 1u) * 5.9604644775390625e-08;
    double v = (double) ((b >> 8) + 1u) * 5.9604644775390625e-08;
    double r = sqrt(-2.0 * log(u));
    double t = 6.283185307179586 * v;
    return (float) (second ? r * sin(t) : r * cos(t));
}
