package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.cuda.KernelSource;

/**
 * tensor_map.cu against TensorMapCpu: every UnaryOp and BinaryOp on float32 and float64 (non-contiguous
 * input, strided output, broadcast operands, NaN and infinities), the integer and bool ops exactly, where on
 * every dtype; and the op codes in the .cu file are the enum ordinals.
 */
class TensorMapTest {
    static Tensor floats(Random r, DType dt, int... shape) {
        Tensor t = Cases.random(r, dt, shape);
        double[] v = t.toDoubleArray();
        double[] odd = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1.0, -1.0};
        for (int i = 0; i < odd.length; i++) v[i * 7 % v.length] = odd[i];
        return Tensor.of(v, shape).to(dt);
    }

    @Test
    void opCodesAreTheEnumOrdinals() {
        String text = KernelSource.load(TensorMap.class, "tensor_map.cu").text();
        for (UnaryOp op : UnaryOp.values())
            assertTrue(text.matches("(?s).*case " + op.ordinal() + ": [^\n]*// " + op.name() + "\n.*"), op + " in unary_float");
        for (BinaryOp op : BinaryOp.values())
            assertTrue(text.matches("(?s).*case " + op.ordinal() + ": [^\n]*// " + op.name() + "\n.*"), op + " in tensor_map.cu");
    }

    @Test
    void unaryOpsOnFloats() {
        Device cuda = Cases.cuda();
        Random r = new Random(3);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor x = floats(r, dt, 7, 33), dx = x.to(cuda);
            for (UnaryOp op : UnaryOp.values()) {
                double p = op == UnaryOp.POW_SCALAR ? 1.7 : op == UnaryOp.LEAKY_RELU ? 0.03 : 0.4;
                DType ot = op == UnaryOp.LOGICAL_NOT ? DType.BOOL : dt;
                Tensor want = Tensor.zeros(new int[] {33, 7}, ot, Device.CPU), got = Tensor.zeros(new int[] {33, 7}, ot, cuda);
                Tensor strided = Tensor.zeros(new int[] {7, 33}, ot, cuda).t();
                TensorMapCpu.unary(op, p, x.t(), want);
                TensorMap.unary(op, p, dx.t(), got);
                TensorMap.unary(op, p, dx.t(), strided);
                double tol = dt == DType.F32 ? 2e-6 : 1e-14;
                Cases.close(dt + " " + op, want, got, tol, tol);
                Cases.close(dt + " " + op + " into a strided output", want, strided.contiguous(), tol, tol);
            }
        }
    }

    @Test
    void binaryOpsOnFloatsWithBroadcasting() {
        Device cuda = Cases.cuda();
        Random r = new Random(4);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor a = floats(r, dt, 5, 9), b = floats(r, dt, 9);
            Tensor da = a.to(cuda), db = b.to(cuda);
            for (BinaryOp op : BinaryOp.values()) {
                DType ot = op.isComparison() ? DType.BOOL : dt;
                Tensor want = Tensor.zeros(new int[] {9, 5}, ot, Device.CPU), got = Tensor.zeros(new int[] {9, 5}, ot, cuda);
                TensorMapCpu.binary(op, a.t(), b.unsqueeze(1).expand(9, 5), want);
                TensorMap.binary(op, da.t(), db.unsqueeze(1).expand(9, 5), got);
                double tol = dt == DType.F32 ? 4e-6 : 1e-14;
                Cases.close(dt + " " + op, want, got, tol, tol);
            }
        }
    }

    @Test
    void integerAndBoolOpsAreExact() {
        Device cuda = Cases.cuda();
        Random r = new Random(5);
        for (DType dt : new DType[] {DType.I32, DType.I64, DType.BOOL}) {
            Tensor a = Cases.random(r, dt, 6, 11), b = Cases.random(r, dt, 11);
            Tensor da = a.to(cuda), db = b.to(cuda);
            for (BinaryOp op : BinaryOp.values()) {
                if (!op.isComparison() && (dt == DType.BOOL || op.ordinal() > BinaryOp.MINIMUM.ordinal())) continue;
                DType ot = op.isComparison() ? DType.BOOL : dt;
                Tensor want = Tensor.zeros(new int[] {6, 11}, ot, Device.CPU), got = Tensor.zeros(new int[] {6, 11}, ot, cuda);
                TensorMapCpu.binary(op, a, b.expand(6, 11), want);
                TensorMap.binary(op, da, db.expand(6, 11), got);
                Cases.close(dt + " " + op, want, got, 0, 0);
            }
            for (UnaryOp op : new UnaryOp[] {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR,
                    UnaryOp.RSUB_SCALAR, UnaryOp.SQUARE, UnaryOp.CLAMP_MIN, UnaryOp.CLAMP_MAX, UnaryOp.LOGICAL_NOT}) {
                if (dt == DType.BOOL && op != UnaryOp.LOGICAL_NOT) continue;
                DType ot = op == UnaryOp.LOGICAL_NOT ? DType.BOOL : dt;
                Tensor want = Tensor.zeros(new int[] {11, 6}, ot, Device.CPU), got = Tensor.zeros(new int[] {11, 6}, ot, cuda);
                TensorMapCpu.unary(op, -2.5, a.t(), want);
                TensorMap.unary(op, -2.5, da.t(), got);
                Cases.close(dt + " " + op, want, got, 0, 0);
            }
        }
    }

    @Test
    void whereOnEveryDtype() {
        Device cuda = Cases.cuda();
        Random r = new Random(6);
        Tensor c = Cases.random(r, DType.BOOL, 4, 1, 6);
        for (DType dt : DType.values()) {
            Tensor a = Cases.random(r, dt, 5, 6), b = Cases.random(r, dt, 4, 5, 1);
            Tensor want = Tensor.zeros(new int[] {4, 5, 6}, dt, Device.CPU), got = Tensor.zeros(new int[] {4, 5, 6}, dt, cuda);
            TensorMapCpu.where(c.expand(4, 5, 6), a.expand(4, 5, 6), b.expand(4, 5, 6), want);
            TensorMap.where(c.to(cuda).expand(4, 5, 6), a.to(cuda).expand(4, 5, 6), b.to(cuda).expand(4, 5, 6), got);
            Cases.close("where " + dt, want, got, 0, 0);
        }
    }

    @Test
    void emptyAndScalarOperands() {
        Device cuda = Cases.cuda();
        Tensor e = Tensor.zeros(new int[] {3, 0}, DType.F32, cuda);
        TensorMap.unary(UnaryOp.EXP, 0, e, e);
        Tensor s = Tensor.scalar(0.5, DType.F32, cuda), out = Tensor.scalar(0, DType.F32, cuda);
        TensorMap.binary(BinaryOp.POW, s, s, out);
        Cases.close("0-d pow", Tensor.scalar((float) Math.pow(0.5, 0.5)), out, 1e-7, 0);
    }
}
