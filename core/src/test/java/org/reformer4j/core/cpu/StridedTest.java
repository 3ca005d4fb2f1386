package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.Tensor;

/**
 * Strided.base (the storage offset of an outer row, by multiply-high reciprocals instead of divisions) against
 * the offset computed by plain division, for permuted views of ranks 3 to 5 with dims from 2 to 1000 and every
 * outer row (or 20000 random ones).
 */
class StridedTest {
    @Test
    void baseEqualsTheOffsetByDivision() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(12);
        for (int trial = 0; trial < 300; trial++) {
            int rank = 3 + rnd.nextInt(3);
            int[] shape = new int[rank];
            long numel = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = 2 + rnd.nextInt(trial < 200 ? 9 : 40);
                numel *= shape[i];
            }
            if (numel > 3_000_000) continue;
            int[] perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = i;
            for (int i = rank - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            Tensor a = Tensor.zeros(shape).permute(perm);
            Tensor out = Tensor.zeros(a.shape());
            Strided it = new Strided(out, a);
            int outer = it.outer;
            for (int n = 0; n < Math.min(outer, 20000); n++) {
                int o = outer <= 20000 ? n : rnd.nextInt(outer);
                for (int k = 0; k < 2; k++) assertEquals(byDivision(it, o, k), it.base(o, k), "shape " + java.util.Arrays.toString(it.shape) + " row " + o);
            }
        }
    }

    private static int byDivision(Strided it, int o, int k) {
        int off = it.offsets[k];
        for (int i = it.rank - 2; i >= 0; i--) {
            off += (o % it.shape[i]) * it.strides[k][i];
            o /= it.shape[i];
        }
        return off;
    }
}
