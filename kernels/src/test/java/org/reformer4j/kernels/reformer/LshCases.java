package org.reformer4j.kernels.reformer;

import java.util.List;
import java.util.Random;

/**
 * The LSH attention cases the forward and backward tests share: lengths at the chunking's edges (bs = 1,
 * two chunks in all, head dims around the warp, 2bs = 32 keys), one to four rounds, causal and not, input
 * masks (with fully masked rows), memory slots (T < L), rotary on and off, buckets not crossed, duplicate
 * correction, attention dropout. Random inputs from a seeded generator; buckets uniform per round (many shared
 * chunks); dropout multipliers 0 or 1/(1-0.25) with rate 0.25.
 */
final class LshCases {
    private LshCases() {}

    /** One case: the config, whether it has an input mask, a rotary table and attention dropout. */
    record Case(LshConfig cfg, boolean mask, boolean rotary, boolean dropout) {
        Case(LshConfig cfg, boolean mask, boolean rotary) {
            this(cfg, mask, rotary, false);
        }

        @Override
        public String toString() {
            return cfg + (mask ? " mask" : "") + (rotary ? " rotary" : "") + (dropout ? " dropout" : "");
        }
    }

    /** One case's data: tables, qk, v and the upstream gradient g [N, T, dh]. */
    record Data(LshTables tables, float[] qk, float[] v, float[] g) {}

    static final List<Case> CASES = List.of(
            new Case(new LshConfig(2, 16, 16, 8, 2, 4, true, true, true), true, true),
            new Case(new LshConfig(1, 8, 8, 4, 1, 4, false, true, true), false, false),
            new Case(new LshConfig(1, 4, 4, 2, 2, 1, true, true, true), false, true),
            new Case(new LshConfig(3, 24, 20, 6, 3, 4, true, true, true), true, true),
            new Case(new LshConfig(2, 32, 32, 36, 2, 8, false, false, true), false, true),
            new Case(new LshConfig(2, 16, 16, 8, 4, 2, true, true, false), true, false),
            new Case(new LshConfig(1, 64, 60, 16, 2, 16, true, false, false), true, true),
            new Case(new LshConfig(2, 16, 16, 8, 2, 4, true, true, true), true, true, true),
            new Case(new LshConfig(1, 12, 10, 6, 3, 2, false, true, false), false, false, true));

    /**
     * Kernel-versus-twin cases at the register tiles' sizes (version 2 of the forward and backward: bucket and
     * head sizes up to 64, edges not a multiple of 16; a head of 96 runs version 1), besides {@link #CASES}:
     * too large for the float64 finite-difference tests, which use CASES only.
     */
    static final List<Case> TILE_CASES = List.of(
            new Case(new LshConfig(1, 192, 190, 56, 2, 48, true, true, true), true, true),
            new Case(new LshConfig(2, 128, 128, 20, 2, 32, false, false, false), false, false, true),
            new Case(new LshConfig(1, 256, 256, 64, 1, 64, true, true, true), true, true, true),
            new Case(new LshConfig(1, 128, 128, 96, 2, 64, false, true, true), false, true));

    /** CASES then TILE_CASES. */
    static List<Case> kernelCases() {
        return java.util.stream.Stream.concat(CASES.stream(), TILE_CASES.stream()).toList();
    }

    static Data data(Case cs, long seed) {
        LshConfig c = cs.cfg();
        Random r = new Random(seed);
        int nb = c.buckets();
        int[] buckets = new int[c.rows() * c.items()];
        for (int n = 0; n < c.rows(); n++)
            for (int j = 0; j < c.items(); j++) buckets[n * c.items() + j] = r.nextInt(nb) + j / c.len() * nb;
        boolean[] mask = null;
        if (cs.mask()) {
            mask = new boolean[c.rows() * c.len()];
            for (int i = 0; i < mask.length; i++) mask[i] = r.nextFloat() < 0.8f;
            for (int p = 0; p < c.len(); p += 5) mask[p] = false;
        }
        float[][] rot = cs.rotary() ? LshTables.rotary(c.queryLen(), c.dimHead()) : new float[2][];
        LshTables t = LshTables.sorted(c, buckets, mask, rot[0], rot[1]);
        if (cs.dropout()) {
            float[] drop = new float[c.rows() * c.items() * 2 * c.bucketSize()];
            for (int i = 0; i < drop.length; i++) drop[i] = r.nextFloat() < 0.25f ? 0f : (float) (1 / 0.75);
            t = t.withDropout(drop);
        }
        int elems = c.rows() * c.len() * c.dimHead();
        return new Data(t, Near.normal(r, elems), Near.normal(r, elems), Near.normal(r, c.rows() * c.queryLen() * c.dimHead()));
    }
}
