package org.reformer4j.model.attention;

import org.reformer4j.core.DType;
import org.reformer4j.core.random.Generator;

/**
 * The attention dropout of {@link LshAttention}: a multiplier (0 or 1/(1-p)) per score of [N, C, bs, 2bs] (rows,
 * chunks, queries, keys in the reference order: the chunk, then its look-back), either given whole or drawn from a
 * Philox stream chunk by chunk as the attention needs them, so that no array of all of them is held: at 4096 positions
 * with 4 heads and 4 rounds that array had 8 M doubles (64 MiB) per layer and pass. A draw follows
 * {@link org.reformer4j.core.Functional#dropout}'s rule for the scores' dtype: float64 scores keep their score where the
 * float64 uniform of the element is {@code >= p}, float32 scores where the float32 uniform is {@code >= p} rounded up
 * to a float (four uniforms per Philox block); the multiplier is {@code 1/(1-p)} in float64 either way.
 */
public final class LshDropout {
    private final double[] given;
    private final long seed, stream, counter;
    private final double p, keep;
    private final float atLeast;
    private final boolean f64;
    private static final ThreadLocal<float[]> MASKS = ThreadLocal.withInitial(() -> new float[0]);

    private LshDropout(double[] given, long seed, long stream, long counter, double p, boolean f64) {
        this.given = given;
        this.seed = seed;
        this.stream = stream;
        this.counter = counter;
        this.p = p;
        this.keep = 1 / (1 - p);
        this.atLeast = Generator.maskThreshold(p);
        this.f64 = f64;
    }

    /** Multipliers given whole (null: no dropout). */
    public static LshDropout of(double[] multipliers) {
        return multipliers == null ? null : new LshDropout(multipliers, 0, 0, 0, 0, false);
    }

    /**
     * Multipliers drawn with rate p in [0, 1) from the Philox stream (seed, stream) from block {@code counter}, by the
     * rule of {@code dtype}'s scores; the caller reserves {@link Generator#blocksFor} blocks there.
     */
    public static LshDropout drawn(long seed, long stream, long counter, double p, DType dtype) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("LshDropout: rate " + p + " outside [0, 1)");
        return new LshDropout(null, seed, stream, counter, p, dtype == DType.F64);
    }

    /** The number of given multipliers (-1 when drawn: any element can be drawn). */
    long given() {
        return given == null ? -1 : given.length;
    }

    /** Multipliers of elements [first, first + n) into out[off, off + n). */
    public void fill(long first, double[] out, int off, int n) {
        if (given != null) {
            System.arraycopy(given, Math.toIntExact(first), out, off, n);
        } else if (f64) {
            Generator.fillUniform(seed, stream, counter, first, out, off, n);
            for (int i = off; i < off + n; i++) out[i] = out[i] >= p ? keep : 0;
        } else {
            float[] m = MASKS.get();
            if (m.length < n) MASKS.set(m = new float[n]);
            Generator.fillMask(seed, stream, counter, first, atLeast, 1f, m, 0, n);
            for (int i = 0; i < n; i++) out[off + i] = m[i] != 0 ? keep : 0;
        }
    }
}
