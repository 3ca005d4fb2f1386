package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.cpu.FlatF32;
import org.reformer4j.core.cpu.Parallel;

/**
 * torch's {@code nn.EmbeddingBag(mode='sum')} with per-sample weights on the CPU, as one differentiable op over
 * (table [N, D], weights [R, K]) -> [R, D]: row r of the output is {@code sum_k weights[r, k] table[slots[r K + k]]},
 * k in order, float32 or float64 as the inputs. The chosen table rows are never copied out: the unfused graph
 * ({@code embedding(table, slots).mul(weights).sum(1)}) held [R, K, D] three times over (768 MiB for product-key
 * memory at 2048 positions, K = 128, D = 256). Backward: the table's gradient (dense [N, D]) receives
 * {@code weights[r, k] dOut[r]} at each slot, in the order of r and k (threads split D, not the rows, so that a slot
 * chosen by several rows sums the same way on any number of threads); the weights' gradient is
 * {@code table[slot] . dOut[r]} (float32: core's {@link FlatF32#dot}).
 */
final class EmbeddingBag extends Function {
    private final long[] slots;
    private final int k;

    /** Slots [R, K] (row-major) into the table's rows; validated by {@link #sum}. */
    private EmbeddingBag(long[] slots, int k) {
        this.slots = slots;
        this.k = k;
    }

    /** The weighted sums of the table rows at {@code slots} (R K of them, K per output row) with weights [R, K]. */
    static Tensor sum(Tensor table, long[] slots, Tensor weights) {
        if (table.rank() != 2 || weights.rank() != 2 || !table.device().isCpu() || !weights.device().isCpu()
                || table.dtype() != weights.dtype() || (table.dtype() != DType.F32 && table.dtype() != DType.F64)) {
            throw new IllegalArgumentException("embeddingBag: a CPU table [N, D] and weights [R, K] of one float dtype, got "
                    + table + " and " + weights);
        }
        int rows = weights.size(0), k = weights.size(1), n = table.size(0);
        if ((long) rows * k != slots.length) {
            throw new IllegalArgumentException("embeddingBag: " + slots.length + " slots for weights [" + rows + ", " + k + "]");
        }
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] < 0 || slots[i] >= n) {
                throw new IndexOutOfBoundsException("embeddingBag: slot " + slots[i] + " at " + i + " outside a table of " + n + " rows");
            }
        }
        return new EmbeddingBag(slots, k).apply(table, weights);
    }

    @Override
    protected String name() {
        return "embeddingBag";
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
        Tensor table = in[0].contiguous(), w = in[1].contiguous();
        int rows = w.size(0), d = table.size(1);
        Tensor out = Tensor.zeros(new int[] {rows, d}, table.dtype(), Device.CPU);
        Object t = table.storage().data(), wd = w.storage().data(), o = out.storage().data();
        int to = table.offset(), wo = w.offset(), oo = out.offset();
        Parallel.forRange(rows, grain(), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                for (int j = 0, e = r * k; j < k; j++, e++) {
                    int src = to + (int) slots[e] * d, dst = oo + r * d;
                    if (t instanceof float[] tf) axpy(((float[]) wd)[wo + e], tf, src, (float[]) o, dst, d);
                    else axpy(((double[]) wd)[wo + e], (double[]) t, src, (double[]) o, dst, d);
                }
            }
        });
        ctx.save(table, w);
        return out;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gOut) {
        Tensor table = ctx.saved(0), w = ctx.saved(1), g = gOut.contiguous();
        int rows = w.size(0), n = table.size(0), d = table.size(1);
        Tensor dTable = Tensor.zeros(new int[] {n, d}, table.dtype(), Device.CPU), dw = Tensor.zeros(w.shape(), w.dtype(), Device.CPU);
        Object t = table.storage().data(), wd = w.storage().data(), gd = g.storage().data(), dt = dTable.storage().data(), dwd = dw.storage().data();
        int to = table.offset(), wo = w.offset(), go = g.offset(), dto = dTable.offset(), dwo = dw.offset();
        // the table's gradient: threads take column ranges, each adding every (r, k) in order
        Parallel.forParts(d, Math.max(1, Math.min(Parallel.threads(), d / 16)), (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                for (int j = 0, e = r * k; j < k; j++, e++) {
                    int dst = dto + (int) slots[e] * d + c0, src = go + r * d + c0;
                    if (t instanceof float[]) axpy(((float[]) wd)[wo + e], (float[]) gd, src, (float[]) dt, dst, c1 - c0);
                    else axpy(((double[]) wd)[wo + e], (double[]) gd, src, (double[]) dt, dst, c1 - c0);
                }
            }
        });
        Parallel.forRange(rows, grain(), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                for (int j = 0, e = r * k; j < k; j++, e++) {
                    int src = to + (int) slots[e] * d, gr = go + r * d;
                    if (t instanceof float[] tf) ((float[]) dwd)[dwo + e] = FlatF32.dot(tf, src, (float[]) gd, gr, d);
                    else ((double[]) dwd)[dwo + e] = dot((double[]) t, src, (double[]) gd, gr, d);
                }
            }
        });
        return new Tensor[] {dTable, dw};
    }

    /** Output rows per parallel part: about 4096 table rows read. */
    private int grain() {
        return Math.max(1, 4096 / k);
    }

    /**
     * y[yo + i] += a x[xo + i] for i < n, each element rounded the same way wherever it falls (not core's
     * {@link FlatF32#axpy}: its vector lanes fuse the multiply-add and its tail does not, so the table's gradient
     * would depend on how the threads split the columns).
     */
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    private static void axpy(double a, double[] x, int xo, double[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** Sum of x[xo + i] y[yo + i] over i < n, in order (float64; float32 takes core's {@link FlatF32#dot}). */
    private static double dot(double[] x, int xo, double[] y, int yo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[xo + i] * y[yo + i];
        return s;
    }
}
