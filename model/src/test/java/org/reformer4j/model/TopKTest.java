package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Top-k by selection against a full sort: the selected value equals the sorted array's entry at every rank
 * (ties, zeros of both signs, infinities, NaN), the histogram's k largest floats are a full sort's first k,
 * the kept indices come out in the order of a stable sort of all indices by value (largest first),
 * {@link Sampling#draw} picks what a full-sort top-k picks, and its float32 form what its float64 form picks.
 */
class TopKTest {
    private static double[] values(long seed, int n, int distinct) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = distinct > 0 ? r.nextInt(distinct) - distinct / 2 : r.nextGaussian() * 4;
        return a;
    }

    @Test
    void selectGivesTheSortedValueAtEveryRank() {
        for (int n : new int[] {1, 2, 3, 10, 101}) {
            for (int distinct : new int[] {0, 1, 3, 50}) {
                double[] a = values(n * 31L + distinct, n, distinct), sorted = a.clone();
                Arrays.sort(sorted);
                for (int rank = 0; rank < n; rank++) {
                    assertEquals(sorted[rank], TopK.select(a.clone(), rank), 0.0, "n=" + n + " distinct=" + distinct + " rank " + rank);
                }
            }
        }
        double[] special = {0.0, -0.0, Double.NEGATIVE_INFINITY, 1, Double.POSITIVE_INFINITY, -0.0, 1, -3};
        double[] sorted = special.clone();
        Arrays.sort(sorted);
        for (int rank = 0; rank < special.length; rank++) assertEquals(sorted[rank], TopK.select(special.clone(), rank), 0.0, "rank " + rank);
        double[] nan = {2, Double.NaN, -1, 5};
        assertEquals(5, TopK.select(nan.clone(), 2), 0.0);
        assertEquals(Double.NaN, TopK.select(nan.clone(), 3), 0.0);
    }

    @Test
    void sortDescendingIsAStableSortByValue() {
        for (int distinct : new int[] {0, 2, 7}) {
            double[] v = values(distinct + 100, 300, distinct);
            int[] idx = new int[200];
            for (int i = 0; i < idx.length; i++) idx[i] = (i * 7) % v.length;
            Integer[] boxed = Arrays.stream(idx).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, (a, b) -> Double.compare(v[b], v[a])); // a stable sort (TimSort)
            TopK.sortDescending(idx, v);
            assertArrayEquals(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray(), idx, "distinct=" + distinct);
        }
    }

    /** Indices of the k largest by a full stable sort of all indices, largest first. */
    private static int[] stableLargest(float[] x, int k) {
        Integer[] all = new Integer[x.length];
        for (int i = 0; i < x.length; i++) all[i] = i;
        Arrays.sort(all, (a, b) -> Float.compare(x[b], x[a]));
        return Arrays.stream(all).limit(k).mapToInt(Integer::intValue).toArray();
    }

    @Test
    void largestByHistogramEqualsAFullStableSort() {
        for (int n : new int[] {1, 2, 5, 100, 3000}) {
            for (int distinct : new int[] {0, 1, 4, 300}) {
                double[] d = values(n * 17L + distinct, n, distinct);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (distinct > 0 ? d[i] * 0.37 : d[i]);
                for (int k = 1; k <= n; k += Math.max(1, n / 37)) {
                    assertArrayEquals(stableLargest(x, k), TopK.largest(x, k), "n=" + n + " distinct=" + distinct + " k=" + k);
                }
            }
        }
        float big = 1e30f;
        float[] wide = {big, -big, 0f, -0f, 3f, -0f, 1e-30f, -1e-38f, Float.MIN_VALUE};
        for (int k = 1; k <= wide.length; k++) assertArrayEquals(stableLargest(wide, k), TopK.largest(wide, k), "wide range, k=" + k);
        float[] zeros = {-0f, 0f, -0f, 0f};
        for (int k = 1; k <= zeros.length; k++) assertArrayEquals(stableLargest(zeros, k), TopK.largest(zeros, k), "signed zeros, k=" + k);
        assertNull(TopK.largest(new float[] {1, Float.NaN}, 1), "NaN: no histogram");
        assertNull(TopK.largest(new float[] {1, Float.NEGATIVE_INFINITY}, 1), "infinity: no histogram");
        float[] extreme = {1, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE};
        for (int k = 1; k <= extreme.length; k++) assertArrayEquals(stableLargest(extreme, k), TopK.largest(extreme, k), "extremes, k=" + k);
    }

    @Test
    void largestAtTheVocabularySizeAndWhenTheSampleMisleads() {
        int n = 21128;
        SplittableRandom r = new SplittableRandom(11);
        float[] gauss = new float[n], stripes = new float[n], inverse = new float[n], few = new float[n];
        for (int j = 0; j < n; j++) {
            gauss[j] = (float) (r.nextGaussian() * 3);
            stripes[j] = j % 8 == 0 ? -5f - j * 1e-3f : 5f + (j % 97);  // the sampled values are all below the rest
            inverse[j] = j % 8 == 0 ? 5f + j * 1e-3f : -5f;              // the sampled values are all above the rest
            few[j] = r.nextInt(3);                                        // three values, long runs of ties
        }
        for (int k : new int[] {1, 2, 211, 2112, 2113, 5000, 10563, 10564, n}) {
            assertArrayEquals(stableLargest(gauss, k), TopK.largest(gauss, k), "gaussian, k=" + k);
            assertArrayEquals(stableLargest(stripes, k), TopK.largest(stripes, k), "sample below the rest, k=" + k);
            assertArrayEquals(stableLargest(inverse, k), TopK.largest(inverse, k), "sample above the rest, k=" + k);
            assertArrayEquals(stableLargest(few, k), TopK.largest(few, k), "three values, k=" + k);
        }
    }

    @Test
    void floatDrawEqualsTheFloat64Draw() {
        SplittableRandom r = new SplittableRandom(4);
        for (int trial = 0; trial < 300; trial++) {
            int n = 20 + trial * 7, distinct = trial % 3 == 0 ? 0 : 3 + trial % 40;
            double[] d = values(trial + 1000L, n, distinct);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) (d[i] * 0.7);
            if (trial % 50 == 7) f[trial % n] = Float.NEGATIVE_INFINITY;
            if (trial % 50 == 9) f[trial % n] = -0f;
            double[] wide = new double[n];
            for (int i = 0; i < n; i++) wide[i] = f[i];
            Sampling s = Sampling.topK(r.nextDouble() * 0.99).temperature(0.5 + r.nextDouble()).topP(trial % 5 == 0 ? 0.8 : 1.0);
            double u = r.nextDouble();
            assertEquals(s.draw(wide, u), s.draw(f, u), "trial " + trial + " " + s);
        }
    }

    /** The top-k draw written with a full stable sort of all indices (largest first, ties by index). */
    private static int fullSortDraw(double[] logits, double thres, double u) {
        int v = logits.length, k = Math.max(1, (int) ((1 - thres) * v));
        Integer[] all = new Integer[v];
        for (int i = 0; i < v; i++) all[i] = i;
        Arrays.sort(all, (a, b) -> Double.compare(logits[b], logits[a]));
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) sum += p[i] = Math.exp(logits[all[i]] - logits[all[0]]);
        double target = u * sum, acc = 0;
        for (int i = 0; i < k; i++) {
            acc += p[i];
            if (target < acc) return all[i];
        }
        return all[k - 1];
    }

    @Test
    void drawPicksWhatAFullSortTopKPicks() {
        SplittableRandom r = new SplittableRandom(9);
        for (int trial = 0; trial < 200; trial++) {
            int distinct = trial % 3 == 0 ? 0 : 5 + trial % 11;
            double[] logits = values(trial, 50 + trial, distinct);
            double thres = trial % 4 == 0 ? 0 : r.nextDouble() * 0.99, u = r.nextDouble();
            assertEquals(fullSortDraw(logits, thres, u), Sampling.topK(thres).draw(logits, u), "trial " + trial + " thres " + thres);
        }
    }
}
