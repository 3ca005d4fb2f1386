package org.reformer4j.core.random;

/**
 * Philox-4x32-R, the counter-based bijection of Salmon, Moraes, Dror and Shaw, "Parallel Random
 * Numbers: As Easy as 1, 2, 3" (SC11), as defined by Random123's {@code philox4x32_R}: a 128-bit
 * counter (four uint32 words) and a 64-bit key (two words) map to four uint32 words. The default is
 * 10 rounds (Philox-4x32-10). Java ints hold the uint32 words bit for bit; products are taken in long.
 *
 * <p>One round: {@code (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2} (64-bit products of unsigned words),
 * {@code c' = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0]}; between rounds the key is bumped by the Weyl
 * constants {@code k0 += W0, k1 += W1}.
 */
public final class Philox {
    /** Round multipliers of Philox-4x32. */
    public static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    /** Key schedule (Weyl) increments: the golden ratio and sqrt(3) - 1 as 32-bit fractions. */
    public static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    /** Rounds of the standard variant. */
    public static final int ROUNDS = 10;

    private Philox() {}

    /** Philox-4x32-10 of counter (c0..c3) under key (k0, k1); writes four words to out[off..off+3]. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int off) {
        if (off < 0 || off > out.length - 4) {
            throw new IndexOutOfBoundsException("Philox-4x32: output offset " + off
                    + " needs 4 words, array length " + out.length);
        }
        // The general loop below with rounds = 10, kept branch-free for the JIT (the fills call this per block).
        final long m0 = M0 & 0xFFFFFFFFL, m1 = M1 & 0xFFFFFFFFL;
        for (int r = 0; r < ROUNDS; r++) {
            long p0 = m0 * (c0 & 0xFFFFFFFFL);
            long p1 = m1 * (c2 & 0xFFFFFFFFL);
            c0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            c1 = (int) p1;
            c2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c3 = (int) p0;
            k0 += W0;
            k1 += W1;
        }
        out[off] = c0;
        out[off + 1] = c1;
        out[off + 2] = c2;
        out[off + 3] = c3;
    }

    /** Philox-4x32 with {@code rounds} rounds (1..16; Random123 publishes vectors for 7 and 10). */
    public static void block(int rounds, int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int off) {
        if (rounds < 1 || rounds > 16) {
            throw new IllegalArgumentException("Philox-4x32: rounds must be in 1..16, got " + rounds);
        }
        if (off < 0 || off > out.length - 4) {
            throw new IndexOutOfBoundsException("Philox-4x32: output offset " + off
                    + " needs 4 words, array length " + out.length);
        }
        for (int r = 0; r < rounds; r++) {
            if (r > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        out[off] = c0;
        out[off + 1] = c1;
        out[off + 2] = c2;
        out[off + 3] = c3;
    }

    /** Convenience form: counter and key as arrays of 4 and 2 words; returns a new 4-word array. */
    public static int[] block(int[] counter, int[] key) {
        if (counter.length != 4 || key.length != 2) {
            throw new IllegalArgumentException("Philox-4x32: counter needs 4 words and key 2, got "
                    + counter.length + " and " + key.length);
        }
        int[] out = new int[4];
        block(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out, 0);
        return out;
    }
}
