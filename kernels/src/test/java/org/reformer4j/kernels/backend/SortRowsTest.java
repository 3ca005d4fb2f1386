package org.reformer4j.kernels.backend;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * sort_rows.cu against SortRowsCpu: stable ascending and descending sorts and top-k of float32 rows with
 * ties, NaN, -0.0 and 0.0, of float64, int32, int64 and bool rows, on empty, single, odd, power-of-two and
 * block-crossing shapes. Values and indices exact.
 */
class SortRowsTest {
    static final int[][] SHAPES = {{0, 5}, {3, 0}, {1, 1}, {3, 7}, {2, 32}, {4, 33}, {2, 257}, {3, 1000}};

    @Test
    void sortsLikeTheCpu() {
        Device cuda = Cases.cuda();
        Random r = new Random(13);
        for (DType dt : DType.values())
            for (int[] s : SHAPES) {
                int rows = s[0], cols = s[1];
                Tensor a = dt == DType.F32 ? special(r, rows, cols) : Cases.random(r, dt, rows, cols);
                for (boolean desc : new boolean[] {false, true})
                    for (int k : new int[] {cols, Math.min(cols, 1), cols / 2}) {
                        Tensor v = Tensor.zeros(new int[] {rows, k}, dt, Device.CPU), i = Tensor.zeros(new int[] {rows, k}, DType.I64, Device.CPU);
                        Tensor dv = Tensor.zeros(new int[] {rows, k}, dt, cuda), di = Tensor.zeros(new int[] {rows, k}, DType.I64, cuda);
                        SortRowsCpu.sort(a, desc, k, v, i);
                        SortRows.sort(a.to(cuda), desc, k, dv, di);
                        String at = dt + " " + java.util.Arrays.toString(s) + (desc ? " desc" : " asc") + " k=" + k;
                        Cases.close(at + " values", v, dv, 0, 0);
                        Cases.close(at + " indices", i, di, 0, 0);
                    }
            }
    }

    /** Values on a coarse grid (ties), with NaNs, infinities and both zeros. */
    static Tensor special(Random r, int rows, int cols) {
        float[] v = new float[rows * cols];
        float[] odd = {Float.NaN, -0.0f, 0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(9) % 5 == 0 ? odd[r.nextInt(odd.length)] : r.nextInt(7) - 3;
        return Tensor.of(v, rows, cols);
    }
}
