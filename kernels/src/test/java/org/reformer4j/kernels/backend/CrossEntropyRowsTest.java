package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * cross_entropy_rows.cu against CrossEntropyRowsCpu: lse and per-row loss, and the scaled backward (some
 * scales 0, some rows ignored), float32 and float64, on empty, single-class, odd and block-crossing shapes;
 * a target out of range is the CPU's IndexOutOfBoundsException.
 */
class CrossEntropyRowsTest {
    static final int[][] SHAPES = {{0, 5}, {1, 1}, {3, 7}, {9, 33}, {2, 257}, {5, 1000}};

    @Test
    void forwardAndBackwardMatchTheCpu() {
        Device cuda = Cases.cuda();
        Random r = new Random(9);
        for (DType dt : new DType[] {DType.F32, DType.F64})
            for (int[] s : SHAPES) {
                int rows = s[0], cols = s[1];
                Tensor x = Cases.random(r, dt, rows, cols).mul(3.0);
                long[] t = new long[rows];
                double[] sc = new double[rows];
                for (int i = 0; i < rows; i++) {
                    t[i] = i % 4 == 1 ? -100 : r.nextInt(cols);
                    sc[i] = i % 3 == 2 ? 0 : r.nextGaussian();
                }
                Tensor target = Tensor.of(t, rows), scale = Tensor.of(sc, rows).to(dt);
                Tensor lse = Tensor.zeros(new int[] {rows}, dt, Device.CPU), loss = Tensor.zeros(new int[] {rows}, dt, Device.CPU);
                Tensor dlse = Tensor.zeros(new int[] {rows}, dt, cuda), dloss = Tensor.zeros(new int[] {rows}, dt, cuda);
                CrossEntropyRowsCpu.forward(x, target, -100, lse, loss);
                CrossEntropyRows.forward(x.to(cuda), target.to(cuda), -100, dlse, dloss);
                double tol = dt == DType.F32 ? 1e-5 : 1e-12;
                String at = dt + " " + java.util.Arrays.toString(s);
                Cases.close(at + " lse", lse, dlse, tol, tol);
                Cases.close(at + " loss", loss, dloss, tol, tol);
                Tensor dx = Tensor.zeros(new int[] {rows, cols}, dt, Device.CPU), ddx = Tensor.zeros(new int[] {rows, cols}, dt, cuda);
                CrossEntropyRowsCpu.backward(x, target, -100, lse, scale, dx);
                CrossEntropyRows.backward(x.to(cuda), target.to(cuda), -100, dlse, scale.to(cuda), ddx);
                Cases.close(at + " dlogits", dx, ddx, tol, tol);
            }
    }

    @Test
    void targetOutOfRangeIsTheCpuError() {
        Device cuda = Cases.cuda();
        Tensor x = Tensor.zeros(new int[] {3, 4}, DType.F32, Device.CPU), target = Tensor.of(new long[] {1, 4, -1}, 3);
        Tensor l = Tensor.zeros(new int[] {3}, DType.F32, Device.CPU);
        var want = assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropyRowsCpu.forward(x, target, -1, l, l));
        Tensor dl = l.to(cuda);
        var got = assertThrows(IndexOutOfBoundsException.class,
                () -> CrossEntropyRows.forward(x.to(cuda), target.to(cuda), -1, dl, dl.clone()));
        assertEquals(want.getMessage(), got.getMessage());
    }
}
