package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * lsh_hash.cu (every version) against LshHashCpu, bit-exact, on shapes at the edges of the kernels' tiles
 * (lengths around 64 and 128, nb/2 around 32 and 128 and over several 128-column tiles, head dims around the
 * warp and off the 8-f slices, one rotation set or one per row); the twin against a float64 argmax over
 * cat(xR, -xR) (equal except at float32 near-ties); ties to the first index, also on small-integer inputs
 * (exact sums, ties everywhere) against an integer argmax.
 */
class LshHashTest {
    /** rows, len, dh, hashes, nBuckets, rotations per row (0/1). */
    static final int[][] CASES = {{1, 2, 1, 1, 2, 0}, {3, 17, 5, 2, 6, 1}, {2, 64, 16, 3, 8, 0}, {2, 130, 8, 2, 70, 0},
            {1, 65, 33, 1, 4, 1}, {4, 32, 64, 4, 66, 1}, {2, 200, 12, 2, 520, 1}, {1, 257, 70, 3, 258, 0},
            {3, 128, 8, 1, 256, 0}, {2, 129, 3, 2, 250, 1}};

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelMatchesTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(61);
        for (int[] cs : CASES) {
            int rows = cs[0], len = cs[1], dh = cs[2], h = cs[3], nb = cs[4];
            boolean per = cs[5] == 1;
            float[] qk = Near.normal(r, rows * len * dh), rot = Near.normal(r, (per ? rows : 1) * dh * h * nb / 2);
            int[] want = LshHashCpu.hash(qk, rot, per, rows, len, dh, h, nb);
            for (int version = 1; version <= LshHash.VERSIONS; version++)
                try (DeviceBuffer dq = rt.upload(qk); DeviceBuffer dr = rt.upload(rot);
                        DeviceBuffer db = rt.allocate(4L * rows * h * len)) {
                    LshHash.hash(rt, dq, dr, per, db, rows, len, dh, h, nb, version);
                    Near.exact(device + " v" + version + " case " + java.util.Arrays.toString(cs), want,
                            rt.downloadInts(db, rows * h * len));
                }
        }
    }

    @Test
    void twinMatchesFloat64ArgmaxAwayFromTies() {
        Random r = new Random(62);
        int rows = 3, len = 48, dh = 24, h = 3, nb = 12, half = nb / 2, checked = 0;
        float[] qk = Near.normal(r, rows * len * dh), rot = Near.normal(r, rows * dh * h * half);
        int[] got = LshHashCpu.hash(qk, rot, true, rows, len, dh, h, nb);
        for (int n = 0; n < rows; n++)
            for (int k = 0; k < h; k++)
                for (int p = 0; p < len; p++) {
                    double[] cat = new double[nb];
                    for (int i = 0; i < half; i++) {
                        double s = 0;
                        for (int f = 0; f < dh; f++) s += (double) qk[(n * len + p) * dh + f] * rot[((n * dh + f) * h + k) * half + i];
                        cat[i] = s;
                        cat[half + i] = -s;
                    }
                    int best = 0;
                    for (int j = 1; j < nb; j++) if (cat[j] > cat[best]) best = j;
                    double second = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < nb; j++) if (j != best) second = Math.max(second, cat[j]);
                    if (cat[best] - second < 1e-4 * Math.abs(cat[best])) continue;  // a float32 near-tie
                    checked++;
                    assertEquals(best + k * nb, got[n * h * len + k * len + p], "row " + n + " round " + k + " position " + p);
                }
        assertTrue(checked > rows * h * len * 9 / 10, "too few positions away from ties: " + checked);
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void tiesGoToTheFirstIndex(String device) {
        CudaRuntime rt = Devices.get(device);
        // one position, dh = 1, nb = 4: r = (x R0, x R1), cat = (r0, r1, -r0, -r1)
        float[][] rots = {{0f, 0f}, {1f, -1f}, {-1f, 1f}, {-1f, -1f}, {0.5f, 2f}};
        int[] want = {0, 0, 1, 2, 1};  // all equal -> 0; (1,-1,-1,1) -> 0; (-1,1,1,-1) -> 1; (-1,-1,1,1) -> 2
        for (int c = 0; c < rots.length; c++) {
            float[] qk = {1f};
            assertArrayEquals(new int[] {want[c]}, LshHashCpu.hash(qk, rots[c], false, 1, 1, 1, 1, 4), "twin case " + c);
            for (int version = 1; version <= LshHash.VERSIONS; version++)
                try (DeviceBuffer dq = rt.upload(qk); DeviceBuffer dr = rt.upload(rots[c]); DeviceBuffer db = rt.allocate(4)) {
                    LshHash.hash(rt, dq, dr, false, db, 1, 1, 1, 1, 4, version);
                    assertEquals(want[c], rt.downloadInts(db, 1)[0], device + " v" + version + " case " + c);
                }
        }
    }

    /** rows, len, dh, hashes, nBuckets, rotations per row (0/1), for the integer-ties test. */
    static final int[][] TIE_CASES = {{2, 150, 6, 2, 300, 1}, {1, 131, 9, 3, 10, 0}, {1, 40, 2, 1, 520, 0}};

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void smallIntegersTieEverywhereAndTheFirstIndexWins(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(63);
        for (int[] cs : TIE_CASES) {
            int rows = cs[0], len = cs[1], dh = cs[2], h = cs[3], nb = cs[4], half = nb / 2;
            boolean per = cs[5] == 1;
            float[] qk = new float[rows * len * dh], rot = new float[(per ? rows : 1) * dh * h * half];
            for (int i = 0; i < qk.length; i++) qk[i] = r.nextInt(5) - 2;
            for (int i = 0; i < rot.length; i++) rot[i] = r.nextInt(3) - 1;
            // integer reference: first index of the largest of cat(r, -r), r exact in long arithmetic
            int[] want = new int[rows * h * len];
            int ties = 0;
            for (int n = 0; n < rows; n++)
                for (int k = 0; k < h; k++)
                    for (int p = 0; p < len; p++) {
                        long[] cat = new long[nb];
                        for (int i = 0; i < half; i++) {
                            long sum = 0;
                            for (int f = 0; f < dh; f++)
                                sum += (long) qk[(n * len + p) * dh + f] * (long) rot[(((per ? n : 0) * dh + f) * h + k) * half + i];
                            cat[i] = sum;
                            cat[half + i] = -sum;
                        }
                        int best = 0, count = 0;
                        for (int j = 1; j < nb; j++) if (cat[j] > cat[best]) best = j;
                        for (int j = 0; j < nb; j++) if (cat[j] == cat[best]) count++;
                        if (count > 1) ties++;
                        want[n * h * len + k * len + p] = best + k * nb;
                    }
            assertTrue(ties > want.length / 8, "case " + java.util.Arrays.toString(cs) + ": only " + ties + " tied maxima");
            Near.exact("twin, integer case " + java.util.Arrays.toString(cs), want, LshHashCpu.hash(qk, rot, per, rows, len, dh, h, nb));
            for (int version = 1; version <= LshHash.VERSIONS; version++)
                try (DeviceBuffer dq = rt.upload(qk); DeviceBuffer dr = rt.upload(rot);
                        DeviceBuffer db = rt.allocate(4L * rows * h * len)) {
                    LshHash.hash(rt, dq, dr, per, db, rows, len, dh, h, nb, version);
                    Near.exact(device + " v" + version + " integer case " + java.util.Arrays.toString(cs), want,
                            rt.downloadInts(db, rows * h * len));
                }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> LshHashCpu.hash(new float[4], new float[4], false, 1, 4, 1, 1, 3));
        assertTrue(e.getMessage().contains("even"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LshHashCpu.hash(new float[4], new float[1], false, 1, 4, 1, 2, 4));
        assertTrue(e.getMessage().contains("rotations"), e.getMessage());
    }
}
