package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * CpuSelect's float32 comparisons, where/masked_fill, maximum/minimum and relu/tanh/sigmoid gradient helpers:
 * the scalar twins against the float64 formulas of {@link BinaryOp#apply} (exact bits for all but TANH_BACKWARD
 * and SIGMOID_BACKWARD, which are within 4 float32 ulps), the Vector API loops against the scalar twins bit for
 * bit, and the backend's dispatch on strided, offset and broadcast tensors against the float64 formulas, on
 * widths below, at and around the vector length with NaN, +-0, +-inf, subnormals and ties among the values.
 */
class CpuSelectTest {
    private static final BinaryOp[] COMPARE = {BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE};
    private static final BinaryOp[] ARITH = {BinaryOp.MAXIMUM, BinaryOp.MINIMUM, BinaryOp.RELU_BACKWARD,
        BinaryOp.TANH_BACKWARD, BinaryOp.SIGMOID_BACKWARD};
    private static final float[] SPECIAL = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f,
        0.5f, 1e-40f, -1e-40f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 0.99999994f};

    private static int lanes() {
        return VectorSupport.ENABLED ? CpuVector.LANES : 16;
    }

    private static int[] widths() {
        int l = lanes();
        return new int[] {1, 2, l - 1, l, l + 1, 2 * l - 1, 2 * l, 2 * l + 1, 3 * l + 5, 100, 1003};
    }

    /** Random normal values (scale 3) with one in four a special value; values in [0, 1] when unit (+-inf, NaN kept). */
    private static float[] values(SplittableRandom r, int n, boolean unit) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            if (r.nextInt(4) == 0) {
                a[i] = SPECIAL[r.nextInt(SPECIAL.length)];
                if (unit && Float.isFinite(a[i]) && Math.abs(a[i]) > 1) a[i] = 1f; // tanh, sigmoid outputs: |y| <= 1 or inf
            }
            else a[i] = unit ? (float) r.nextDouble() : (float) (3 * r.nextGaussian());
        }
        return a;
    }

    /** z with some ties to x and some -0/+0 pairs, so EQ/LE/GE and max/min of equal values are exercised. */
    private static float[] partner(SplittableRandom r, float[] x, boolean unit) {
        float[] z = values(r, x.length, unit);
        for (int i = 0; i < x.length; i++) {
            int k = r.nextInt(8);
            if (k == 0) z[i] = x[i];
            else if (k == 1 && x[i] == 0) z[i] = -x[i];
        }
        return z;
    }

    private static boolean[] condition(SplittableRandom r, int n, int pattern) {
        boolean[] c = new boolean[n];
        for (int i = 0; i < n; i++) {
            c[i] = switch (pattern) {
                case 0 -> r.nextBoolean();
                case 1 -> true;
                case 2 -> false;
                default -> i % 2 == 0;
            };
        }
        return c;
    }

    /** The float64 formula rounded to float32. */
    private static float reference(BinaryOp op, float a, float b) {
        return (float) op.apply(a, b);
    }

    /** Exact bits for the selecting ops, within 4 ulps (same NaN/inf) for TANH/SIGMOID_BACKWARD. */
    private static void checkReference(String what, BinaryOp op, float a, float b, float got) {
        float want = reference(op, a, b);
        if (op != BinaryOp.TANH_BACKWARD && op != BinaryOp.SIGMOID_BACKWARD) {
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) {
                fail(what + ": " + op + "(" + a + ", " + b + ") = " + got + ", float64 formula gives " + want);
            }
            return;
        }
        if (Float.isNaN(want) || Float.isInfinite(want)) {
            if (Float.compare(want, got) != 0) fail(what + ": " + op + "(" + a + ", " + b + ") = " + got + ", want " + want);
            return;
        }
        if (Math.abs(want - got) > 4 * Math.ulp(want)) {
            fail(what + ": " + op + "(" + a + ", " + b + ") = " + got + ", float64 formula gives " + want);
        }
    }

    @Test
    void scalarTwinsMatchTheFloat64Formulas() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 20000;
        for (BinaryOp op : COMPARE) {
            float[] x = values(r, n, false), z = partner(r, x, false);
            boolean[] y = new boolean[n];
            CpuSelect.compareF32(op, x, 0, 1, z, 0, 1, y, 0, 1, n);
            for (int i = 0; i < n; i++) {
                assertEquals(op.apply(x[i], z[i]) != 0, y[i], op + "(" + x[i] + ", " + z[i] + ")");
            }
        }
        for (BinaryOp op : ARITH) {
            boolean unit = op == BinaryOp.SIGMOID_BACKWARD || op == BinaryOp.TANH_BACKWARD; // y = sigmoid(x), tanh(x)
            float[] x = values(r, n, false), z = partner(r, x, unit);
            float[] y = new float[n];
            CpuSelect.binaryF32(op, x, 0, 1, z, 0, 1, y, 0, 1, n);
            for (int i = 0; i < n; i++) checkReference("scalar", op, x[i], z[i], y[i]);
        }
        // every special against every special (tanh/sigmoid: the g operand; y specials kept in [-1, 1])
        for (BinaryOp op : ARITH) {
            for (float a : SPECIAL) {
                for (float b : SPECIAL) {
                    if ((op == BinaryOp.SIGMOID_BACKWARD || op == BinaryOp.TANH_BACKWARD) && Math.abs(b) > 1) continue;
                    float[] y = new float[1];
                    CpuSelect.binaryF32(op, new float[] {a}, 0, 1, new float[] {b}, 0, 1, y, 0, 1, 1);
                    checkReference("specials", op, a, b, y[0]);
                }
            }
        }
        assertEquals(0x7fc00000, Float.floatToRawIntBits(CpuSelect.maximum(Float.NaN, 1f)));
        assertEquals(0, Float.floatToRawIntBits(CpuSelect.maximum(-0f, 0f)));
        assertEquals(0x80000000, Float.floatToRawIntBits(CpuSelect.minimum(0f, -0f)));
    }

    @Test
    void vectorLoopsEqualTheirScalarTwinsBitForBit() {
        assumeTrue(VectorSupport.ENABLED, "Vector API not loaded");
        SplittableRandom r = new SplittableRandom(12);
        int[][] strides = {{1, 1}, {1, 0}, {0, 1}};
        for (int n : widths()) {
            if (n < lanes()) continue; // the callers hand shorter runs to the scalar twins
            for (int off : new int[] {0, 5}) {
                for (int[] st : strides) {
                    int sa = st[0], sb = st[1];
                    String where = "n=" + n + " off=" + off + " strides=" + sa + "," + sb;
                    for (BinaryOp op : COMPARE) {
                        float[] x = values(r, off + n, false), z = partner(r, x, false);
                        boolean[] v = new boolean[off + n], s = new boolean[off + n];
                        CpuSelect.Lanes.compare(op, x, off, sa, z, off, sb, v, off, n);
                        CpuSelect.compareF32(op, x, off, sa, z, off, sb, s, off, 1, n);
                        assertArrayEquals(s, v, op + " " + where);
                        for (int i = 0; i < n; i++) {
                            float a = x[off + i * sa], b = z[off + i * sb];
                            assertEquals(op.apply(a, b) != 0, s[off + i], op + "(" + a + ", " + b + ") " + where);
                        }
                    }
                    for (BinaryOp op : ARITH) {
                        boolean unit = op == BinaryOp.SIGMOID_BACKWARD || op == BinaryOp.TANH_BACKWARD;
                        float[] x = values(r, off + n, false), z = partner(r, x, unit);
                        float[] v = new float[off + n], s = new float[off + n];
                        CpuSelect.Lanes.binary(op, x, off, sa, z, off, sb, v, off, n);
                        CpuSelect.binaryF32(op, x, off, sa, z, off, sb, s, off, 1, n);
                        for (int i = 0; i < off + n; i++) {
                            // a NaN that arithmetic makes (inf * 0, NaN operands) has no specified sign or payload:
                            // floatToIntBits counts every NaN as one; MAXIMUM, MINIMUM, RELU_BACKWARD select raw bits
                            boolean same = unit ? Float.floatToIntBits(s[i]) == Float.floatToIntBits(v[i])
                                    : Float.floatToRawIntBits(s[i]) == Float.floatToRawIntBits(v[i]);
                            if (!same) {
                                fail(op + " " + where + " i=" + i + ": vector " + v[i] + " scalar " + s[i]);
                            }
                        }
                        for (int i = 0; i < n; i++) checkReference(where, op, x[off + i * sa], z[off + i * sb], s[off + i]);
                    }
                    for (int pattern = 0; pattern < 4; pattern++) {
                        float[] x = values(r, off + n, false), z = values(r, off + n, false);
                        boolean[] c = condition(r, off + n, pattern);
                        float[] v = new float[off + n], s = new float[off + n];
                        CpuSelect.Lanes.where(c, off, x, off, sa, z, off, sb, v, off, n);
                        CpuSelect.whereF32(c, off, 1, x, off, sa, z, off, sb, s, off, 1, n);
                        for (int i = 0; i < off + n; i++) {
                            assertEquals(Float.floatToRawIntBits(s[i]), Float.floatToRawIntBits(v[i]), "where " + where + " i=" + i);
                        }
                        for (int i = 0; i < n; i++) {
                            float want = c[off + i] ? x[off + i * sa] : z[off + i * sb];
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(s[off + i]), "where " + where + " i=" + i);
                        }
                    }
                }
            }
        }
    }

    /** [rows, w] views of a [rows, w + 7] storage from column 3: an offset, and rows that are not merged. */
    private static Tensor offsetView(float[] data, int rows, int w) {
        return Tensor.of(data, rows, w + 7).narrow(1, 3, w);
    }

    private interface Operand {
        Tensor make(SplittableRandom r, int rows, int w, boolean unit);
    }

    /** Operand layouts: full, offset view, a broadcast row, a broadcast column (inner stride 0), a scalar, transposed. */
    private static final Operand[] LAYOUTS = {
        (r, rows, w, u) -> Tensor.of(values(r, rows * w, u), rows, w),
        (r, rows, w, u) -> offsetView(values(r, rows * (w + 7), u), rows, w),
        (r, rows, w, u) -> Tensor.of(values(r, w, u), w).expand(rows, w),
        (r, rows, w, u) -> Tensor.of(values(r, rows, u), rows, 1).expand(rows, w),
        (r, rows, w, u) -> Tensor.of(values(r, 1, u), 1, 1).expand(rows, w),
        (r, rows, w, u) -> Tensor.of(values(r, rows * w, u), w, rows).t(),
    };

    @Test
    void backendDispatchOnStridedOffsetAndBroadcastOperands() {
        SplittableRandom r = new SplittableRandom(13);
        CpuBackend be = new CpuBackend();
        int rows = 3;
        for (int w : widths()) {
            for (int la = 0; la < LAYOUTS.length; la++) {
                for (int lb = 0; lb < LAYOUTS.length; lb++) {
                    String where = "w=" + w + " layouts=" + la + "," + lb;
                    for (BinaryOp op : COMPARE) {
                        Tensor a = LAYOUTS[la].make(r, rows, w, false), b = LAYOUTS[lb].make(r, rows, w, false);
                        Tensor out = Tensor.empty(new int[] {rows, w}, DType.BOOL, Device.CPU);
                        be.binary(op, a, b, out);
                        boolean[] y = out.toBoolArray();
                        for (int i = 0; i < rows; i++) {
                            for (int j = 0; j < w; j++) {
                                assertEquals(op.apply(a.get(i, j), b.get(i, j)) != 0, y[i * w + j], op + " " + where + " at " + i + "," + j);
                            }
                        }
                    }
                    for (BinaryOp op : ARITH) {
                        boolean unit = op == BinaryOp.SIGMOID_BACKWARD || op == BinaryOp.TANH_BACKWARD;
                        Tensor a = LAYOUTS[la].make(r, rows, w, false), b = LAYOUTS[lb].make(r, rows, w, unit);
                        Tensor out = Tensor.empty(new int[] {rows, w}, DType.F32, Device.CPU);
                        be.binary(op, a, b, out);
                        float[] y = out.toFloatArray();
                        for (int i = 0; i < rows; i++) {
                            for (int j = 0; j < w; j++) {
                                checkReference(where + " at " + i + "," + j, op, (float) a.get(i, j), (float) b.get(i, j), y[i * w + j]);
                            }
                        }
                    }
                    for (int lc : new int[] {0, 1, 2, 3, 5}) { // the condition's layout: full, offset, row, column, transposed
                        boolean[] cd = condition(r, rows * (w + 7), r.nextInt(4));
                        Tensor c = switch (lc) {
                            case 0 -> Tensor.of(java.util.Arrays.copyOf(cd, rows * w), rows, w);
                            case 1 -> Tensor.of(cd, rows, w + 7).narrow(1, 3, w);
                            case 2 -> Tensor.of(java.util.Arrays.copyOf(cd, w), w).expand(rows, w);
                            case 3 -> Tensor.of(java.util.Arrays.copyOf(cd, rows), rows, 1).expand(rows, w);
                            default -> Tensor.of(java.util.Arrays.copyOf(cd, rows * w), w, rows).t();
                        };
                        Tensor a = LAYOUTS[la].make(r, rows, w, false), b = LAYOUTS[lb].make(r, rows, w, false);
                        Tensor out = Tensor.empty(new int[] {rows, w}, DType.F32, Device.CPU);
                        be.where(c, a, b, out);
                        float[] y = out.toFloatArray();
                        for (int i = 0; i < rows; i++) {
                            for (int j = 0; j < w; j++) {
                                float want = (float) (c.get(i, j) != 0 ? a.get(i, j) : b.get(i, j));
                                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[i * w + j]),
                                        "where " + where + " condition layout " + lc + " at " + i + "," + j);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void publicOpsGoThroughTheFloat32Loops() {
        // large enough to be split over the threads; comparisons, where, masked_fill, maximum and minimum
        SplittableRandom r = new SplittableRandom(14);
        int rows = 64, w = 1031;
        float[] xd = values(r, rows * w, false), zd = partner(r, xd, false);
        Tensor x = Tensor.of(xd, rows, w), z = Tensor.of(zd, rows, w);
        boolean[] gt = x.gt(z).toBoolArray(), le = x.le(0.0).toBoolArray();
        float[] mx = x.maximum(z).toFloatArray(), mn = x.minimum(z).toFloatArray();
        Tensor m = x.gt(z);
        float[] wh = Tensor.where(m, x, z).toFloatArray(), mf = x.maskedFill(m, -1e9).toFloatArray();
        for (int i = 0; i < rows * w; i++) {
            assertEquals(xd[i] > zd[i], gt[i], "gt at " + i);
            assertEquals(xd[i] <= 0, le[i], "le at " + i);
            checkReference("maximum", BinaryOp.MAXIMUM, xd[i], zd[i], mx[i]);
            checkReference("minimum", BinaryOp.MINIMUM, xd[i], zd[i], mn[i]);
            assertEquals(Float.floatToRawIntBits(xd[i] > zd[i] ? xd[i] : zd[i]), Float.floatToRawIntBits(wh[i]), "where at " + i);
            assertEquals(Float.floatToRawIntBits(xd[i] > zd[i] ? -1e9f : xd[i]), Float.floatToRawIntBits(mf[i]), "maskedFill at " + i);
        }
    }

    @Test
    void otherDtypesAndOpsAreLeftToCpuElementwise() {
        Tensor a = Tensor.of(new double[] {1, 2}, 2), b = Tensor.of(new double[] {2, 1}, 2);
        Tensor out = Tensor.empty(new int[] {2}, DType.BOOL, Device.CPU);
        assertFalse(CpuSelect.binary(BinaryOp.GT, a, b, out));
        Tensor f = Tensor.of(new float[] {1, 2}, 2);
        assertFalse(CpuSelect.binary(BinaryOp.ADD, f, f, Tensor.empty(new int[] {2}, DType.F32, Device.CPU)));
        assertFalse(CpuSelect.where(out, a, b, Tensor.empty(new int[] {2}, DType.F64, Device.CPU)));
        assertTrue(CpuSelect.binary(BinaryOp.GT, f, f, out));
    }
}
