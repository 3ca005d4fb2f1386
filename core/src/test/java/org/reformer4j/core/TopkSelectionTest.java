package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * topk with k at most a quarter of the row takes a heap selection instead of the whole stable sort: the result must be
 * the sort's first k exactly (values, and indices with ties to the lower index), over rows with many ties, NaN, -0 and
 * +0, infinities, both directions, k from 0 to the row length, along the last and a middle dimension, float32, float64
 * and int64.
 */
class TopkSelectionTest {
    private static double[] row(Random r, int n, int kind) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (kind) {
                case 0 -> r.nextGaussian();
                case 1 -> r.nextInt(5); // many ties
                default -> switch (r.nextInt(8)) {
                    case 0 -> Double.NaN;
                    case 1 -> -0.0;
                    case 2 -> 0.0;
                    case 3 -> Double.POSITIVE_INFINITY;
                    case 4 -> Double.NEGATIVE_INFINITY;
                    default -> r.nextInt(3) - 1;
                };
            };
        }
        return x;
    }

    @Test
    void selectionEqualsTheFirstKOfTheStableSort() {
        Random r = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(4), n = 1 + r.nextInt(trial < 200 ? 70 : 1100), kind = trial % 3;
            double[] v = new double[rows * n];
            for (int i = 0; i < rows; i++) System.arraycopy(row(r, n, kind), 0, v, i * n, n);
            DType dt = trial % 4 == 0 ? DType.F32 : trial % 4 == 1 && kind == 1 ? DType.I64 : DType.F64;
            Tensor x = Tensor.of(v, rows, n).to(dt);
            boolean largest = r.nextBoolean(), middle = trial % 5 == 0 && rows > 1;
            if (middle) x = x.transpose(0, 1).contiguous().reshape(n, rows, 1); // sort along dim 0 of [n, rows, 1]
            int dim = middle ? 0 : 1;
            for (int k : new int[] {0, 1, n / 8, n / 4, n / 4 + 1, r.nextInt(n + 1), n}) {
                ValuesIndices top = x.topk(k, dim, largest), all = x.sort(dim, largest);
                String what = "trial " + trial + " n " + n + " k " + k + " " + dt + (largest ? " largest" : " smallest");
                assertArrayEquals(all.indices().narrow(dim, 0, k).contiguous().toLongArray(), top.indices().toLongArray(), what + ": indices");
                assertArrayEquals(all.values().narrow(dim, 0, k).contiguous().toDoubleArray(), top.values().toDoubleArray(), 0.0, what + ": values");
            }
        }
    }
}
