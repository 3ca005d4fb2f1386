package org.reformer4j.core.random;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link Philox#block} for runs of consecutive blocks (Random123's {@code philox4x32round}
 * on every lane at once): lane j carries block {@code b0 + j}, its four 32-bit words zero-extended in 64-bit
 * lanes so that the unsigned 32x32 -> 64 products are plain lane multiplies. Two runs go through the rounds
 * side by side (the multiply's latency, not its throughput, bounds one run). The words become float32
 * uniforms or dropout multipliers by the formulas of {@link Generator#uniform24} and
 * {@link Generator#fillMask}, bit for bit, in element order (element 4j + k = word k of block j).
 * Loaded only when {@code VectorSupport.ENABLED}.
 */
final class PhiloxLanes {
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    /** Blocks per vector; the vector path runs in steps of 2L blocks (8L elements). */
    static final int L = LS.length();
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.withShape(LS.vectorShape());
    private static final long LOW = 0xFFFF_FFFFL, M0 = Philox.M0 & LOW, M1 = Philox.M1 & LOW;
    private static final float F24 = 0x1.0p-24f;
    private static final LongVector IOTA, FIRST_HALF, SECOND_HALF;

    static {
        long[] iota = new long[L], lo = new long[L], hi = new long[L];
        for (int j = 0; j < L; j++) {
            iota[j] = j;
            // blocks j/2 (from words 0,1) and j/2 (from words 2,3) alternate: the element order of the halves
            lo[j] = (j & 1) == 0 ? j / 2 : L + j / 2;
            hi[j] = lo[j] + L / 2;
        }
        IOTA = LongVector.fromArray(LS, iota, 0);
        FIRST_HALF = LongVector.fromArray(LS, lo, 0);
        SECOND_HALF = LongVector.fromArray(LS, hi, 0);
    }

    private PhiloxLanes() {}

    /** Whether the preferred vectors hold at least two 64-bit lanes (else the scalar loop runs). */
    static boolean usable() {
        return L >= 2 && FS.length() == 2 * L;
    }

    /**
     * Writes the 8L * pairs float32 values of blocks [b0, b0 + 2L * pairs) of (seed, stream) to out[o ..):
     * uniforms {@code (x >>> 8) * 2^-24} when {@code mask} is false, else {@code u >= atLeast ? keep : 0}.
     */
    static void floats(long seed, long stream, long b0, int pairs, float[] out, int o,
                       boolean mask, float atLeast, float keep) {
        long[] k0 = new long[Philox.ROUNDS], k1 = new long[Philox.ROUNDS];
        int key0 = (int) seed, key1 = (int) (seed >>> 32);
        for (int r = 0; r < Philox.ROUNDS; r++, key0 += Philox.W0, key1 += Philox.W1) {
            k0[r] = key0 & LOW;
            k1[r] = key1 & LOW;
        }
        LongVector s0 = LongVector.broadcast(LS, stream & LOW), s1 = LongVector.broadcast(LS, stream >>> 32);
        FloatVector zero = FloatVector.zero(FS), kept = FloatVector.broadcast(FS, keep);
        for (int g = 0; g < 2 * pairs; g++, o += 4 * L) {
            LongVector b = IOTA.add(b0 + (long) g * L);
            LongVector c0 = b.and(LOW), c1 = b.lanewise(VectorOperators.LSHR, 32), c2 = s0, c3 = s1;
            for (int r = 0; r < Philox.ROUNDS; r++) {
                // scalar: p0 = M0 * c0, p1 = M1 * c2; c' = [hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0)]
                LongVector p0 = c0.mul(M0), p1 = c2.mul(M1);
                c0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, k0[r]);
                c1 = p1.and(LOW);
                c2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, k1[r]);
                c3 = p0.and(LOW);
            }
            store(c0, c1, c2, c3, out, o, mask, atLeast, zero, kept);
        }
    }

    /**
     * The four words of L blocks -> elements o .. o + 4L in order: words 0,1 and 2,3 of each block packed
     * into one 64-bit lane each (little-endian: the lower word first), the two packed vectors interleaved
     * lane by lane, then read as 2L int lanes.
     */
    private static void store(LongVector w0, LongVector w1, LongVector w2, LongVector w3, float[] out, int o,
                              boolean mask, float atLeast, FloatVector zero, FloatVector kept) {
        LongVector v01 = w1.lanewise(VectorOperators.LSHL, 32).or(w0), v23 = w3.lanewise(VectorOperators.LSHL, 32).or(w2);
        toFloats(FIRST_HALF.selectFrom(v01, v23), mask, atLeast, zero, kept).intoArray(out, o);
        toFloats(SECOND_HALF.selectFrom(v01, v23), mask, atLeast, zero, kept).intoArray(out, o + 2 * L);
    }

    private static FloatVector toFloats(LongVector packed, boolean mask, float atLeast, FloatVector zero, FloatVector kept) {
        IntVector x = packed.reinterpretAsInts().lanewise(VectorOperators.LSHR, 8);
        FloatVector u = ((FloatVector) x.convertShape(VectorOperators.I2F, FS, 0)).mul(F24);
        return mask ? zero.blend(kept, u.compare(VectorOperators.GE, atLeast)) : u;
    }
}
