package org.reformer4j.core.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.cpu.Parallel;

/**
 * The Generator's documented mapping (key words, block counter, lane, word-to-number formulas) re-derived
 * here from raw Philox blocks and float64 Math; order- and split-independence of the fills; the stateful
 * wrapper's counter accounting; and the distributions' first moments.
 */
class GeneratorTest {
    private static final long SEED = 0x1234_5678_9ABC_DEF0L, STREAM = 0x0000_0007_0000_0003L, START = 41;

    /** Element e's four-lane block, straight from Philox with the documented key and counter layout. */
    private static int[] rawBlock(long seed, long stream, long b) {
        return Philox.block(new int[] {(int) b, (int) (b >>> 32), (int) stream, (int) (stream >>> 32)},
                new int[] {(int) seed, (int) (seed >>> 32)});
    }

    @Test
    void float32UniformFollowsTheDocumentedMapping() {
        int n = 103;
        float[] out = new float[n];
        Generator.fillUniform(SEED, STREAM, START, 0, out, 0, n);
        int[] words = new int[n];
        Generator.fillWords(SEED, STREAM, START, 0, words, 0, n);
        for (int e = 0; e < n; e++) {
            int x = rawBlock(SEED, STREAM, START + e / 4)[e % 4];
            assertEquals(x, words[e], "word " + e);
            double expected = Integer.toUnsignedLong(x) / 256 / 16777216.0;
            assertEquals(expected, out[e], 0.0, "uniform " + e);
            assertTrue(out[e] >= 0f && out[e] < 1f);
        }
    }

    @Test
    void float64UniformFollowsTheDocumentedMapping() {
        int n = 51;
        double[] out = new double[n];
        Generator.fillUniform(SEED, STREAM, START, 0, out, 0, n);
        for (int e = 0; e < n; e++) {
            int[] x = rawBlock(SEED, STREAM, START + e / 2);
            long a = Integer.toUnsignedLong(x[2 * (e % 2)]) >> 5, b = Integer.toUnsignedLong(x[2 * (e % 2) + 1]) >> 6;
            double expected = (a * 67108864.0 + b) / 9007199254740992.0;
            assertEquals(expected, out[e], 0.0, "uniform64 " + e);
        }
    }

    @Test
    void float32NormalIsBoxMullerOnLanePairsWithinOneUlp() {
        int n = 4001;
        float[] out = new float[n];
        Generator.fillNormal(SEED, STREAM, START, 0, out, 0, n);
        for (int e = 0; e < n; e++) {
            int[] x = rawBlock(SEED, STREAM, START + e / 4);
            int pair = (e % 4) / 2;
            double u = (Integer.toUnsignedLong(x[2 * pair]) / 256 + 1) / 16777216.0;
            double v = (Integer.toUnsignedLong(x[2 * pair + 1]) / 256 + 1) / 16777216.0;
            double r = Math.sqrt(-2 * Math.log(u));
            double z = e % 2 == 0 ? r * Math.cos(2 * Math.PI * v) : r * Math.sin(2 * Math.PI * v);
            assertEquals((float) z, out[e], Math.ulp((float) z), "normal " + e);
        }
    }

    @Test
    void float64NormalIsBoxMullerOnTheBlocksTwoUniforms() {
        int n = 2001;
        double[] out = new double[n];
        Generator.fillNormal(SEED, STREAM, START, 0, out, 0, n);
        for (int e = 0; e < n; e++) {
            int[] x = rawBlock(SEED, STREAM, START + e / 2);
            double u = ((Integer.toUnsignedLong(x[0]) >> 5) * 67108864.0 + (Integer.toUnsignedLong(x[1]) >> 6) + 1)
                    / 9007199254740992.0;
            double v = ((Integer.toUnsignedLong(x[2]) >> 5) * 67108864.0 + (Integer.toUnsignedLong(x[3]) >> 6) + 1)
                    / 9007199254740992.0;
            double r = Math.sqrt(-2 * Math.log(u));
            double z = e % 2 == 0 ? r * Math.cos(2 * Math.PI * v) : r * Math.sin(2 * Math.PI * v);
            assertEquals(z, out[e], 4 * Math.ulp(z) + 1e-300, "normal64 " + e);
        }
    }

    /** The vector twin (whole runs of blocks) and the scalar head and tail, at every alignment of first and len. */
    @Test
    void float32UniformAndMaskEqualTheRawBlocksAtAnyAlignment() {
        for (long first : new long[] {0, 1, 2, 3, 4, 7, 61, 1L << 33}) {
            for (int len : new int[] {0, 1, 3, 4, 31, 32, 33, 64, 100, 517, 4099}) {
                float[] u = new float[len + 3], m = new float[len + 3];
                Generator.fillUniform(SEED, STREAM, START, first, u, 2, len);
                Generator.fillMask(SEED, STREAM, START, first, 0.3f, 1.25f, m, 2, len);
                for (int i = 0; i < len; i++) {
                    long e = first + i;
                    int x = rawBlock(SEED, STREAM, START + (e >>> 2))[(int) (e & 3)];
                    float expected = (float) (Integer.toUnsignedLong(x) / 256 / 16777216.0);
                    assertEquals(expected, u[2 + i], 0f, "uniform, first " + first + " len " + len + " element " + i);
                    assertEquals(expected >= 0.3f ? 1.25f : 0f, m[2 + i], 0f, "mask, first " + first + " len " + len + " element " + i);
                }
                assertEquals(0f, u[0] + u[1] + (len + 2 < u.length ? u[len + 2] : 0f), "nothing written outside the range");
            }
        }
        // a block counter whose low word wraps inside a vector run, and a stream with both words set
        float[] w = new float[256];
        long start = 0xFFFF_FFFFL - 5;
        Generator.fillUniform(SEED, -3L, start, 0, w, 0, w.length);
        for (int e = 0; e < w.length; e++) {
            int x = rawBlock(SEED, -3L, start + e / 4)[e % 4];
            assertEquals((float) (Integer.toUnsignedLong(x) / 256 / 16777216.0), w[e], 0f, "wrapping counter, element " + e);
        }
    }

    @Test
    void keepMaskIsUniformAtLeastP() {
        int n = 50_000;
        float p = 0.3f;
        boolean[] keep = new boolean[n];
        float[] scaled = new float[n];
        float[] u = new float[n];
        Generator.fillKeepMask(SEED, STREAM, START, 0, p, keep, 0, n);
        Generator.fillDropoutMask(SEED, STREAM, START, 0, p, scaled, 0, n);
        Generator.fillUniform(SEED, STREAM, START, 0, u, 0, n);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(u[i] >= p, keep[i]);
            assertEquals(keep[i] ? 1f / (1f - p) : 0f, scaled[i]);
            if (keep[i]) kept++;
        }
        assertEquals(0.7, kept / (double) n, 0.01);
        boolean[] all = new boolean[64];
        Generator.fillKeepMask(SEED, STREAM, 0, 0, 0f, all, 0, 64);
        for (boolean b : all) assertTrue(b, "p = 0 keeps everything");
        Generator.fillKeepMask(SEED, STREAM, 0, 0, 1f, all, 0, 64);
        for (boolean b : all) assertFalse(b, "p = 1 drops everything");
    }

    @Test
    void anySplitEqualsElementByElementFill() {
        int n = 70_001;
        float[] serialF = new float[n], serialN = new float[n];
        double[] serialD = new double[n], serialDN = new double[n];
        for (int e = 0; e < n; e++) {
            Generator.fillUniform(SEED, STREAM, START, e, serialF, e, 1);
            Generator.fillNormal(SEED, STREAM, START, e, serialN, e, 1);
            Generator.fillUniform(SEED, STREAM, START, e, serialD, e, 1);
            Generator.fillNormal(SEED, STREAM, START, e, serialDN, e, 1);
        }
        float[] whole = new float[n];
        Generator.fillNormal(SEED, STREAM, START, 0, whole, 0, n);
        assertArrayEquals(serialN, whole, "one call (internally parallel)");
        for (int parts : new int[] {2, 3, 7, 16}) {
            float[] f = new float[n], nf = new float[n];
            double[] d = new double[n], nd = new double[n];
            Parallel.forParts(n, parts, (from, to) -> {
                Generator.fillUniform(SEED, STREAM, START, from, f, from, to - from);
                Generator.fillNormal(SEED, STREAM, START, from, nf, from, to - from);
                Generator.fillUniform(SEED, STREAM, START, from, d, from, to - from);
                Generator.fillNormal(SEED, STREAM, START, from, nd, from, to - from);
            });
            assertArrayEquals(serialF, f, "uniform, parts " + parts);
            assertArrayEquals(serialN, nf, "normal, parts " + parts);
            assertArrayEquals(serialD, d, "uniform64, parts " + parts);
            assertArrayEquals(serialDN, nd, "normal64, parts " + parts);
        }
        // Random chunk boundaries, filled in reverse order.
        SplittableRandom rnd = new SplittableRandom(5);
        int[] cuts = rnd.ints(40, 0, n).sorted().distinct().toArray();
        float[] f = new float[n];
        int hi = n;
        for (int c = cuts.length - 1; c >= -1; c--) {
            int lo = c < 0 ? 0 : cuts[c];
            Generator.fillNormal(SEED, STREAM, START, lo, f, lo, hi - lo);
            hi = lo;
        }
        assertArrayEquals(serialN, f, "reverse-order chunks");
    }

    @Test
    void statefulWrapperAdvancesByBlocksConsumed() {
        Generator g = new Generator(SEED, STREAM);
        float[] a = new float[10], b = new float[7];
        double[] c = new double[5];
        g.normal(a);
        assertEquals(3, g.counter());
        g.uniform(b);
        assertEquals(5, g.counter());
        g.normal(c);
        assertEquals(8, g.counter());
        float[] ea = new float[10], eb = new float[7];
        double[] ec = new double[5];
        Generator.fillNormal(SEED, STREAM, 0, 0, ea, 0, 10);
        Generator.fillUniform(SEED, STREAM, 3, 0, eb, 0, 7);
        Generator.fillNormal(SEED, STREAM, 5, 0, ec, 0, 5);
        assertArrayEquals(ea, a);
        assertArrayEquals(eb, b);
        assertArrayEquals(ec, c);
        // Same numbers from an element offset: element 4 of a fill at block 0 is element 0 at block 1.
        float[] shifted = new float[6];
        Generator.fillNormal(SEED, STREAM, 1, 0, shifted, 0, 6);
        assertArrayEquals(Arrays.copyOfRange(ea, 4, 10), shifted);
        float[] lohi = new float[1000];
        new Generator(1, 2).uniform(lohi, -0.5f, 0.25f);
        for (float v : lohi) assertTrue(v >= -0.5f && v < 0.25f);
    }

    @Test
    void keysSeparateStreamsAndSeeds() {
        float[] a = new float[64], b = new float[64], c = new float[64];
        Generator.fillUniform(1, 0, 0, 0, a, 0, 64);
        Generator.fillUniform(1, 1, 0, 0, b, 0, 64);
        Generator.fillUniform(1L << 32, 0, 0, 0, c, 0, 64);
        assertFalse(Arrays.equals(a, b));
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void momentsOfTheDistributions() {
        int n = 200_000;
        float[] z = new float[n];
        new Generator(99, 0).normal(z);
        double m = 0, s = 0, k = 0;
        for (float v : z) m += v;
        m /= n;
        for (float v : z) {
            s += (v - m) * (v - m);
            k += Math.pow(v - m, 4);
        }
        s /= n;
        k /= n * s * s;
        assertEquals(0, m, 0.01, "normal mean");
        assertEquals(1, s, 0.015, "normal variance");
        assertEquals(3, k, 0.06, "normal kurtosis");
        double[] u = new double[n];
        new Generator(99, 1).uniform(u);
        double mu = Arrays.stream(u).average().orElseThrow();
        assertEquals(0.5, mu, 0.003, "uniform mean");
        assertTrue(Arrays.stream(u).allMatch(v -> v >= 0 && v < 1));
    }

    @Test
    void badArgumentsNameTheProblem() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Generator.fillKeepMask(0, 0, 0, 0, 1.5f, new boolean[4], 0, 4));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        var r = assertThrows(IndexOutOfBoundsException.class,
                () -> Generator.fillUniform(0, 0, 0, 0, new float[4], 2, 3));
        assertTrue(r.getMessage().contains("length 4"), r.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Generator.fillNormal(0, 0, 0, -1, new float[4], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new Generator(0, 0).take(-1));
    }
}
