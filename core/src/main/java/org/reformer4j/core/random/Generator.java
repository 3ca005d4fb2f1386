package org.reformer4j.core.random;

import org.reformer4j.core.DType;
import org.reformer4j.core.cpu.Parallel;
import org.reformer4j.core.cpu.VectorSupport;

/**
 * Replayable random numbers from Philox-4x32-10 keyed by (seed, stream, counter): the same key gives the
 * same numbers whatever the order of the calls and the thread split, on the CPU and in a CUDA kernel.
 * Plays the role of torch's {@code rand}/{@code randn}/dropout masks, with its own (documented) mapping.
 *
 * <h2>Key and counter</h2>
 * A Philox block is {@code philox4x32_10(ctr = [c0, c1, c2, c3], key = [k0, k1])} with
 * {@code k0 = (int) seed, k1 = (int) (seed >>> 32)}, {@code c0 = (int) b, c1 = (int) (b >>> 32)} where
 * {@code b} is the 64-bit block counter, and {@code c2 = (int) stream, c3 = (int) (stream >>> 32)}. A block
 * gives four uint32 words {@code x[0..3]}. Block counters wrap modulo 2^64.
 *
 * <h2>Element e of a fill starting at block {@code start} (e = 0, 1, ... in row-major order)</h2>
 * <ul>
 * <li><b>float32 uniform in [0,1)</b>, raw words, keep mask: block {@code start + e/4}, lane {@code e%4};
 *     {@code u = (x >>> 8) * 2^-24} (exact in float).</li>
 * <li><b>float32 standard normal</b>: block {@code start + e/4}; lanes 0,1 give elements 4k, 4k+1 and lanes
 *     2,3 give 4k+2, 4k+3 (Box-Muller on the pair, both outputs used). With {@code a, b} the pair's words,
 *     {@code u = ((a >>> 8) + 1) * 2^-24}, {@code v = ((b >>> 8) + 1) * 2^-24} (both in (0,1], exact floats),
 *     evaluated in float64 (fdlibm, {@link StrictMath}): {@code r = sqrt(-2 ln u)}, {@code t = 2 pi v}
 *     ({@code 2 * Math.PI} as a double); the even element is {@code (float) (r cos t)}, the odd one
 *     {@code (float) (r sin t)}.</li>
 * <li><b>float64 uniform in [0,1)</b>: block {@code start + e/2}, words {@code a = x[2(e%2)]},
 *     {@code b = x[2(e%2)+1]}: {@code ((a >>> 5) * 2^26 + (b >>> 6)) * 2^-53} (53 bits).</li>
 * <li><b>float64 standard normal</b>: block {@code start + e/2}; {@code u} from words 0,1 and {@code v} from
 *     words 2,3 as the float64 uniform plus {@code 2^-53} (so in (0,1]); element 2k is {@code r cos t}, 2k+1
 *     is {@code r sin t}, with r and t as above, all in float64.</li>
 * <li><b>dropout keep mask with drop probability p</b>: keep element e iff its float32 uniform {@code >= p}
 *     (compared as floats); the scaled mask holds {@code keep ? 1f / (1f - p) : 0f}.</li>
 * </ul>
 * A fill of n float32 values uses {@code ceil(n/4)} blocks and one of n float64 values {@code ceil(n/2)};
 * the stateful methods advance {@link #counter()} by exactly that.
 */
public final class Generator {
    private static final float F24 = 0x1.0p-24f;
    private static final double D53 = 0x1.0p-53;
    private static final double TWO_PI = 2 * Math.PI;
    /** Elements per parallel task; below this a fill runs on the caller. */
    private static final int GRAIN = 1 << 14;
    /** Whether float32 fills run whole runs of blocks through {@link PhiloxLanes}. */
    private static final boolean VECTOR = VectorSupport.ENABLED && PhiloxLanes.usable();

    /** Seed of the default generator until {@link #manualSeed} is called. */
    public static final long DEFAULT_SEED = 0x5EED_2020_0000_0001L;
    private static volatile Generator defaultGenerator = new Generator(DEFAULT_SEED, 0);

    private final long seed;
    private final long stream;
    private long counter;

    /**
     * The process-wide generator that layers draw from when none is given (initial weights, dropout
     * masks): stream 0 of the seed set by {@link #manualSeed}, like torch's default generator.
     */
    public static Generator defaultGenerator() {
        return defaultGenerator;
    }

    /** Replaces the default generator by a fresh one keyed by (seed, stream 0) at counter 0 (torch.manual_seed). */
    public static void manualSeed(long seed) {
        defaultGenerator = new Generator(seed, 0);
    }

    /** A generator at block counter 0 of (seed, stream). */
    public Generator(long seed, long stream) {
        this(seed, stream, 0);
    }

    /** A generator at the given block counter of (seed, stream). */
    public Generator(long seed, long stream, long counter) {
        this.seed = seed;
        this.stream = stream;
        this.counter = counter;
    }

    public long seed() {
        return seed;
    }

    public long stream() {
        return stream;
    }

    /** The next block counter this generator will use. */
    public synchronized long counter() {
        return counter;
    }

    /** Reserves {@code blocks} blocks: returns the first one's counter and advances past them. */
    public synchronized long take(long blocks) {
        if (blocks < 0) throw new IllegalArgumentException("Generator.take: blocks must be >= 0, got " + blocks);
        long start = counter;
        counter += blocks;
        return start;
    }

    /** Fills out with float32 uniforms in [0,1) and advances the counter by ceil(n/4) blocks. */
    public void uniform(float[] out) {
        fillUniform(seed, stream, take(blocksFor4(out.length)), 0, out, 0, out.length);
    }

    /** Fills out with {@code lo + (hi - lo) * u} (float32 arithmetic), u uniform in [0,1). */
    public void uniform(float[] out, float lo, float hi) {
        uniform(out);
        float w = hi - lo;
        for (int i = 0; i < out.length; i++) out[i] = lo + w * out[i];
    }

    /** Fills out with float64 uniforms in [0,1) and advances the counter by ceil(n/2) blocks. */
    public void uniform(double[] out) {
        fillUniform(seed, stream, take(blocksFor2(out.length)), 0, out, 0, out.length);
    }

    /** Fills out with {@code lo + (hi - lo) * u} (float64), u uniform in [0,1). */
    public void uniform(double[] out, double lo, double hi) {
        uniform(out);
        double w = hi - lo;
        for (int i = 0; i < out.length; i++) out[i] = lo + w * out[i];
    }

    /** Fills out with float32 standard normals and advances the counter by ceil(n/4) blocks. */
    public void normal(float[] out) {
        fillNormal(seed, stream, take(blocksFor4(out.length)), 0, out, 0, out.length);
    }

    /** Fills out with {@code mean + std * z} (float32 arithmetic), z standard normal. */
    public void normal(float[] out, float mean, float std) {
        normal(out);
        for (int i = 0; i < out.length; i++) out[i] = mean + std * out[i];
    }

    /** Fills out with float64 standard normals and advances the counter by ceil(n/2) blocks. */
    public void normal(double[] out) {
        fillNormal(seed, stream, take(blocksFor2(out.length)), 0, out, 0, out.length);
    }

    /** Fills out with {@code mean + std * z} (float64), z standard normal. */
    public void normal(double[] out, double mean, double std) {
        normal(out);
        for (int i = 0; i < out.length; i++) out[i] = mean + std * out[i];
    }

    /** Keep mask for dropout probability p; advances the counter by ceil(n/4) blocks. */
    public void keepMask(float p, boolean[] out) {
        fillKeepMask(seed, stream, take(blocksFor4(out.length)), 0, p, out, 0, out.length);
    }

    /** Scaled dropout mask (keep ? 1/(1-p) : 0); advances the counter by ceil(n/4) blocks. */
    public void dropoutMask(float p, float[] out) {
        fillDropoutMask(seed, stream, take(blocksFor4(out.length)), 0, p, out, 0, out.length);
    }

    /** Blocks used by n values drawn four per block (float32 uniforms and normals, masks, words). */
    public static long blocksFor4(long n) {
        return (n + 3) >>> 2;
    }

    /** Blocks used by n values drawn two per block (float64 uniforms and normals). */
    public static long blocksFor2(long n) {
        return (n + 1) >>> 1;
    }

    /** Blocks used by n values of a tensor of this dtype: two per block for float64, four otherwise. */
    public static long blocksFor(long n, DType dtype) {
        return dtype == DType.F64 ? blocksFor2(n) : blocksFor4(n);
    }

    /**
     * The smallest float at or above p: a float32 uniform u is {@code >= p} exactly when it is {@code >=} this (the
     * {@code atLeast} of {@link #fillMask} for a dropout of rate p).
     */
    public static float maskThreshold(double p) {
        float at = (float) p;
        return at < p ? Math.nextUp(at) : at;
    }

    // ---- pure fills: elements [first, first + len) of the sequence keyed by (seed, stream, start) ----

    /** Raw uint32 words: element e is lane e%4 of block start + e/4. */
    public static void fillWords(long seed, long stream, long start, long first, int[] out, int off, int len) {
        check("fillWords", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> {
            int[] x = new int[4];
            long e = first + from, end = first + to;
            int o = off + from;
            while (e < end) {
                block(seed, stream, start + (e >>> 2), x);
                for (int lane = (int) (e & 3); lane < 4 && e < end; lane++, e++) out[o++] = x[lane];
            }
        });
    }

    /** float32 uniforms in [0,1): {@code (x >>> 8) * 2^-24}. */
    public static void fillUniform(long seed, long stream, long start, long first, float[] out, int off, int len) {
        check("fillUniform", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> floats(seed, stream, start, first + from, first + to, out, off + from, false, 0f, 0f));
    }

    /**
     * Elements [e, end) as float32 uniforms ({@code mask} false) or as {@code u >= atLeast ? keep : 0}, written
     * from out[o]: whole runs of {@code PhiloxLanes.L} blocks by the vector twin, the rest by the scalar loop.
     */
    private static void floats(long seed, long stream, long start, long e, long end, float[] out, int o,
                               boolean mask, float atLeast, float keep) {
        int[] x = new int[4];
        while (e < end) {
            if (VECTOR && (e & 3) == 0 && end - e >= 8L * PhiloxLanes.L) {
                int pairs = (int) ((end - e) / (8L * PhiloxLanes.L));
                PhiloxLanes.floats(seed, stream, start + (e >>> 2), pairs, out, o, mask, atLeast, keep);
                e += 8L * PhiloxLanes.L * pairs;
                o += 8 * PhiloxLanes.L * pairs;
                continue;
            }
            block(seed, stream, start + (e >>> 2), x);
            for (int lane = (int) (e & 3); lane < 4 && e < end; lane++, e++) {
                float u = uniform24(x[lane]);
                out[o++] = !mask ? u : u >= atLeast ? keep : 0f;
            }
        }
    }

    /** float64 uniforms in [0,1) with 53 random bits from two words. */
    public static void fillUniform(long seed, long stream, long start, long first, double[] out, int off, int len) {
        check("fillUniform", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> {
            int[] x = new int[4];
            long e = first + from, end = first + to;
            int o = off + from;
            while (e < end) {
                block(seed, stream, start + (e >>> 1), x);
                for (int half = (int) (e & 1); half < 2 && e < end; half++, e++) {
                    out[o++] = uniform53(x[2 * half], x[2 * half + 1]);
                }
            }
        });
    }

    /** float32 standard normals (Box-Muller on lane pairs (0,1) and (2,3); see the class comment). */
    public static void fillNormal(long seed, long stream, long start, long first, float[] out, int off, int len) {
        check("fillNormal", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> {
            int[] x = new int[4];
            long e = first + from, end = first + to;
            int o = off + from;
            while (e < end) {
                block(seed, stream, start + (e >>> 2), x);
                int lane = (int) (e & 3);
                while (lane < 4 && e < end) {
                    int pair = lane >>> 1;
                    double u = ((x[2 * pair] >>> 8) + 1) * (double) F24;
                    double v = ((x[2 * pair + 1] >>> 8) + 1) * (double) F24;
                    double r = StrictMath.sqrt(-2.0 * StrictMath.log(u));
                    double t = TWO_PI * v;
                    if ((lane & 1) == 0) {
                        out[o++] = (float) (r * StrictMath.cos(t));
                        lane++;
                        if (++e >= end) break;
                    }
                    out[o++] = (float) (r * StrictMath.sin(t));
                    lane++;
                    e++;
                }
            }
        });
    }

    /** float64 standard normals (Box-Muller on the block's two float64 uniforms in (0,1]). */
    public static void fillNormal(long seed, long stream, long start, long first, double[] out, int off, int len) {
        check("fillNormal", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> {
            int[] x = new int[4];
            long e = first + from, end = first + to;
            int o = off + from;
            while (e < end) {
                block(seed, stream, start + (e >>> 1), x);
                double u = uniform53(x[0], x[1]) + D53;
                double v = uniform53(x[2], x[3]) + D53;
                double r = StrictMath.sqrt(-2.0 * StrictMath.log(u));
                double t = TWO_PI * v;
                if ((e & 1) == 0) {
                    out[o++] = r * StrictMath.cos(t);
                    e++;
                }
                if (e < end) {
                    out[o++] = r * StrictMath.sin(t);
                    e++;
                }
            }
        });
    }

    /** Keep mask: element e kept iff its float32 uniform {@code >= p}. */
    public static void fillKeepMask(long seed, long stream, long start, long first, float p,
                                    boolean[] out, int off, int len) {
        checkP("fillKeepMask", p);
        check("fillKeepMask", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> {
            int[] x = new int[4];
            long e = first + from, end = first + to;
            int o = off + from;
            while (e < end) {
                block(seed, stream, start + (e >>> 2), x);
                for (int lane = (int) (e & 3); lane < 4 && e < end; lane++, e++) {
                    out[o++] = uniform24(x[lane]) >= p;
                }
            }
        });
    }

    /** Scaled dropout mask: {@code keep ? 1f / (1f - p) : 0f} (all zeros when p == 1). */
    public static void fillDropoutMask(long seed, long stream, long start, long first, float p,
                                       float[] out, int off, int len) {
        checkP("fillDropoutMask", p);
        check("fillDropoutMask", first, out.length, off, len);
        float scale = p >= 1f ? 0f : 1f / (1f - p);
        fillMask(seed, stream, start, first, p, scale, out, off, len);
    }

    /**
     * The general mask: element e holds {@code keep} when its float32 uniform is {@code >= atLeast}, else 0
     * (dropout with its own rounding of p and of the scale, as {@link org.reformer4j.core.Functional#dropout}).
     */
    public static void fillMask(long seed, long stream, long start, long first, float atLeast, float keep,
                                float[] out, int off, int len) {
        check("fillMask", first, out.length, off, len);
        Parallel.forRange(len, GRAIN, (from, to) -> floats(seed, stream, start, first + from, first + to, out, off + from, true, atLeast, keep));
    }

    // ---- the word -> number conversions, one place ----

    /** One Philox block of (seed, stream) at block counter b. */
    public static void block(long seed, long stream, long b, int[] x) {
        Philox.block((int) b, (int) (b >>> 32), (int) stream, (int) (stream >>> 32),
                (int) seed, (int) (seed >>> 32), x, 0);
    }

    /** {@code (x >>> 8) * 2^-24}: a float32 uniform in [0,1). */
    public static float uniform24(int x) {
        return (x >>> 8) * F24;
    }

    /** {@code ((a >>> 5) * 2^26 + (b >>> 6)) * 2^-53}: a float64 uniform in [0,1). */
    public static double uniform53(int a, int b) {
        return (((long) (a >>> 5) << 26) | (b >>> 6)) * D53;
    }

    private static void check(String op, long first, int length, int off, int len) {
        if (first < 0) throw new IllegalArgumentException("Generator." + op + ": first element " + first + " < 0");
        if (off < 0 || len < 0 || off > length - len) {
            throw new IndexOutOfBoundsException("Generator." + op + ": range [" + off + ", " + ((long) off + len)
                    + ") outside an array of length " + length);
        }
    }

    private static void checkP(String op, float p) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("Generator." + op + ": dropout probability must be in [0, 1], got " + p);
        }
    }
}
