/*
 * Length-grouped batches: each epoch uses every sequence once, batches are far more uniform in length
 * than random ones, the order is a function of (seed, epoch) alone, and epochs differ.
 */
package org.reformer4j.cli.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthBatcherTest {
    static List<long[]> sequences(int n) {
        List<long[]> out = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) out.add(new long[2 + r.nextInt(60)]);
        return out;
    }

    @Test
    void everySequenceOncePerEpoch() {
        LengthBatcher b = new LengthBatcher(sequences(103), 8, 1);
        assertEquals(13, b.batchesPerEpoch());
        for (long e = 0; e < 3; e++) {
            int[] seen = new int[103];
            for (int i = 0; i < b.batchesPerEpoch(); i++) for (int j : b.batchIndices(e, i)) seen[j]++;
            for (int s : seen) assertEquals(1, s);
        }
    }

    @Test
    void batchesAreGroupedByLength() {
        List<long[]> seqs = sequences(400);
        LengthBatcher b = new LengthBatcher(seqs, 16, 1);
        double grouped = b.paddingFraction(0);
        // the same batch size with the sequences in a random order
        int[] p = Shuffle.permutation(seqs.size(), 99, 0, 0);
        long real = 0, total = 0;
        for (int i = 0; i < seqs.size(); i += 16) {
            int max = 0;
            for (int j = i; j < Math.min(seqs.size(), i + 16); j++) {
                max = Math.max(max, seqs.get(p[j]).length - 1);
                real += seqs.get(p[j]).length - 1;
            }
            total += (long) max * (Math.min(seqs.size(), i + 16) - i);
        }
        double random = 1 - (double) real / total;
        assertTrue(grouped < 0.1 && random > 0.3, "padding grouped " + grouped + ", random " + random);
    }

    @Test
    void orderIsAFunctionOfSeedAndEpoch() {
        LengthBatcher a = new LengthBatcher(sequences(100), 8, 5), b = new LengthBatcher(sequences(100), 8, 5);
        b.batchIndices(3, 0); // a different cached epoch first
        for (int i = 0; i < a.batchesPerEpoch(); i++) assertArrayEquals(a.batchIndices(1, i), b.batchIndices(1, i));
        boolean differs = false;
        for (int i = 0; i < a.batchesPerEpoch(); i++) differs |= !Arrays.equals(a.batchIndices(1, i), a.batchIndices(2, i));
        assertTrue(differs, "epochs 1 and 2 have the same order");
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = Shuffle.permutation(1000, 1, 2, 3);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        assertFalse(Arrays.equals(p, Shuffle.permutation(1000, 1, 2, 4)));
    }
}
