package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.KernelSource;

/**
 * row_reduce.cu against RowReduceCpu on empty, single, odd and block-crossing row shapes: every ReduceOp in
 * float32 and float64 (within rounding), SUM/MAX/MIN of int32/int64 exactly, arg max/min of every dtype
 * exactly with ties and NaN; op codes are ReduceOp's ordinals.
 */
class RowReduceTest {
    static final int[][] SHAPES = {{0, 5}, {3, 0}, {1, 1}, {3, 7}, {5, 31}, {9, 33}, {2, 257}, {4, 1000}};

    @Test
    void opCodesAreTheEnumOrdinals() {
        String text = KernelSource.load(RowReduce.class, "row_reduce.cu").text();
        for (ReduceOp op : ReduceOp.values())
            assertTrue(text.matches("(?s).*case " + op.ordinal() + ": [^\n]*// " + op.name() + "\n.*"), op.name());
    }

    /** Rows with ties (values on a 0.25 grid) and, in larger rows, one NaN. */
    static Tensor rows(Random r, DType dt, int rows, int cols, boolean nan, boolean nearOne) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++)
            v[i] = nearOne ? 1 + 0.01 * r.nextGaussian() : Math.round(r.nextGaussian() * 8) / 4.0;
        if (nan && v.length > 40) v[37] = Double.NaN;
        return Tensor.of(v, rows, cols).to(dt);
    }

    @Test
    void floatReductions() {
        Device cuda = Cases.cuda();
        Random r = new Random(7);
        for (DType dt : new DType[] {DType.F32, DType.F64})
            for (int[] s : SHAPES)
                for (ReduceOp op : ReduceOp.values()) {
                    if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && s[1] == 0) continue;
                    boolean nan = op == ReduceOp.MAX || op == ReduceOp.MIN;
                    Tensor a = rows(r, dt, s[0], s[1], nan, op == ReduceOp.PROD);
                    Tensor want = Tensor.zeros(new int[] {s[0]}, dt, Device.CPU), got = Tensor.zeros(new int[] {s[0]}, dt, cuda);
                    RowReduceCpu.reduce(op, a, want);
                    RowReduce.reduce(op, a.to(cuda), got);
                    double tol = dt == DType.F32 ? 1e-5 : 1e-12;
                    Cases.close(dt + " " + op + " " + java.util.Arrays.toString(s), want, got, tol, tol);
                }
    }

    @Test
    void integerReductionsAndArgReductions() {
        Device cuda = Cases.cuda();
        Random r = new Random(8);
        for (int[] s : SHAPES) {
            for (DType dt : new DType[] {DType.I32, DType.I64})
                for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
                    if (op != ReduceOp.SUM && s[1] == 0) continue;
                    Tensor a = Cases.random(r, dt, s[0], s[1]);
                    Tensor want = Tensor.zeros(new int[] {s[0]}, dt, Device.CPU), got = Tensor.zeros(new int[] {s[0]}, dt, cuda);
                    RowReduceCpu.reduce(op, a, want);
                    RowReduce.reduce(op, a.to(cuda), got);
                    Cases.close(dt + " " + op + " " + java.util.Arrays.toString(s), want, got, 0, 0);
                }
            if (s[1] == 0) continue;
            for (DType dt : DType.values())
                for (boolean max : new boolean[] {true, false}) {
                    Tensor a = dt.isFloating() ? rows(r, dt, s[0], s[1], true, false) : Cases.random(r, dt, s[0], s[1]);
                    Tensor want = Tensor.zeros(new int[] {s[0]}, DType.I64, Device.CPU);
                    Tensor got = Tensor.zeros(new int[] {s[0]}, DType.I64, cuda);
                    RowReduceCpu.argReduce(max, a, want);
                    RowReduce.argReduce(max, a.to(cuda), got);
                    Cases.close(dt + (max ? " argmax " : " argmin ") + java.util.Arrays.toString(s), want, got, 0, 0);
                }
        }
    }

    @Test
    void badCallsAreClearErrors() {
        Device cuda = Cases.cuda();
        Tensor a = Tensor.zeros(new int[] {3, 0}, DType.F32, cuda), out = Tensor.zeros(new int[] {3}, DType.F32, cuda);
        assertThrows(IllegalArgumentException.class, () -> RowReduce.reduce(ReduceOp.MAX, a, out));
        Tensor i = Tensor.zeros(new int[] {3, 4}, DType.I64, cuda), io = Tensor.zeros(new int[] {3}, DType.I64, cuda);
        var e = assertThrows(IllegalArgumentException.class, () -> RowReduce.reduce(ReduceOp.VAR, i, io));
        assertTrue(e.getMessage().contains("VAR") && e.getMessage().contains("I64"), e.getMessage());
    }
}
