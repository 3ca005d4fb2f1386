package org.reformer4j.model.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;

/**
 * The bucket hash against a float64 reference written here (rotate with R, argmax of cat(xR, -xR), offset by the
 * round), for the float32 path that rotates blocks of positions into one scratch array and the float64 tensor
 * path; and the vector argmax against the scalar loop on rows made of ties (repeated maxima, max = -min, zeros of
 * both signs, NaN).
 */
class LshBucketsTest {

    @ParameterizedTest
    @CsvSource({"3, 200, 16, 2, 16, true", "2, 1500, 32, 4, 64, false", "1, 700, 64, 1, 256, true", "2, 33, 8, 3, 6, false"})
    void bucketsEqualTheFloat64Reference(int n, int len, int dh, int hashes, int nBuckets, boolean shared) {
        SplittableRandom rnd = new SplittableRandom(n * 1000L + len);
        int half = nBuckets / 2, rows = shared ? 1 : n;
        double[] q = new double[n * len * dh], r = new double[rows * dh * hashes * half];
        for (int i = 0; i < q.length; i++) q[i] = rnd.nextGaussian();
        for (int i = 0; i < r.length; i++) r[i] = rnd.nextGaussian();
        float[] qf = new float[q.length], rf = new float[r.length];
        for (int i = 0; i < q.length; i++) q[i] = qf[i] = (float) q[i];
        for (int i = 0; i < r.length; i++) r[i] = rf[i] = (float) r[i];
        Tensor qk32 = Tensor.of(qf, n, len, dh), rot32 = Tensor.of(rf, rows, dh, hashes, half);
        int[][] b32 = LshBuckets.hash(qk32, rot32, hashes, nBuckets);
        int[][] b64 = LshBuckets.hash(qk32.to(DType.F64), rot32.to(DType.F64), hashes, nBuckets);
        int checked = 0;
        for (int row = 0; row < n; row++) {
            for (int p = 0; p < len; p++) {
                for (int k = 0; k < hashes; k++) {
                    double[] x = new double[2 * half];
                    for (int j = 0; j < half; j++) {
                        double s = 0;
                        for (int f = 0; f < dh; f++) {
                            s += q[(row * len + p) * dh + f] * r[(((shared ? 0 : row) * dh + f) * hashes + k) * half + j];
                        }
                        x[j] = s;
                        x[half + j] = -s;
                    }
                    int best = 0;
                    for (int j = 1; j < x.length; j++) if (x[j] > x[best]) best = j;
                    double second = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < x.length; j++) if (j != best) second = Math.max(second, x[j]);
                    int want = best + k * nBuckets;
                    assertEquals(want, b64[row][k * len + p], "float64 tensor path, row " + row + " position " + p + " round " + k);
                    if (x[best] - second > 1e-3 * (1 + Math.abs(x[best]))) { // float32 sums decide only clear winners
                        assertEquals(want, b32[row][k * len + p], "float32 path, row " + row + " position " + p + " round " + k);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > n * len * hashes * 9 / 10, "too few clear winners: " + checked);
    }

    @Test
    void vectorArgmaxKeepsTheScalarTieRules() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 4000; trial++) {
            int half = 1 + rnd.nextInt(80), o = rnd.nextInt(5);
            float[] f = new float[o + half];
            int kind = trial % 6;
            for (int j = 0; j < half; j++) {
                f[o + j] = switch (kind) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> rnd.nextInt(3) - 1;                      // many equal maxima and minima, max = -min
                    case 2 -> rnd.nextBoolean() ? 0f : -0f;            // zeros of both signs only
                    case 3 -> rnd.nextInt(5) == 0 ? Float.NaN : (float) rnd.nextGaussian();
                    case 4 -> rnd.nextBoolean() ? 2.5f : -2.5f;        // every value ties with its negation
                    default -> rnd.nextInt(4) == 0 ? -3f : rnd.nextFloat();
                };
            }
            assertEquals(LshBuckets.argmax(f, o, half), LshBuckets.argmaxF32(f, o, half),
                    "trial " + trial + " (kind " + kind + ", half " + half + ")");
        }
    }
}
