package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of cross_entropy.cu: mean cross entropy of [rows, cols] logits against int32 targets with an
 * ignore index (torch.nn.functional.cross_entropy, reduction='mean', ignore_index), and its gradient. The
 * forward leaves per-row log-sum-exp in {@code lse} ([rows]) and {mean, count} in {@code out} ([2]) for the
 * backward. A target outside [0, cols) that is not the ignore index is an {@link IndexOutOfBoundsException}.
 * CPU twin: {@link CrossEntropyCpu}.
 */
public final class CrossEntropy {
    static final KernelSource SOURCE = KernelSource.load(CrossEntropy.class, "cross_entropy.cu");
    /** Kernel versions (see the top comment of cross_entropy.cu). */
    public static final int VERSIONS = 1;

    private CrossEntropy() {}

    public static void forward(CudaRuntime rt, DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer lse,
            DeviceBuffer out, int rows, int cols, int ignoreIndex, int version) {
        String v = Launch.versioned("cross_entropy", "", version, VERSIONS);
        Launch.checkSizes("cross_entropy", rows, cols);
        if (cols == 0 && rows > 0)
            throw new IllegalArgumentException("cross_entropy: logits [" + rows + ", 0] have no classes");
        Launch.check4("cross_entropy", "logits", logits, (long) rows * cols);
        Launch.check4("cross_entropy", "targets", targets, rows);
        Launch.check4("cross_entropy", "lse", lse, rows);
        Launch.check4("cross_entropy", "out", out, 2);
        if (rows == 0) {  // mean of nothing: NaN, count 0 (torch gives nan)
            rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(new float[] {Float.NaN, 0f}), out, 0, 8);
            return;
        }
        try (DeviceBuffer rowLoss = rt.allocate(4L * rows); DeviceBuffer error = rt.upload(new int[] {rows})) {
            Launch.function(rt, SOURCE, "cross_entropy_rows" + v).launch(Dim3.of(rows), Dim3.of(Launch.BLOCK), 0,
                    KernelArgs.of().ptr(logits).ptr(targets).ptr(rowLoss).ptr(lse).i32(rows).i32(cols)
                            .i32(ignoreIndex).ptr(error));
            int bad = rt.downloadInts(error, 1)[0];
            if (bad < rows) {
                int[] t = new int[1];
                rt.copyToHost(targets, 4L * bad, java.lang.foreign.MemorySegment.ofArray(t), 4);
                throw new IndexOutOfBoundsException("cross_entropy: target " + t[0] + " of row " + bad
                        + " outside [0, " + cols + ") and not ignore_index " + ignoreIndex);
            }
            Launch.function(rt, SOURCE, "cross_entropy_mean" + v).launch(Dim3.of(1), Dim3.of(1024), 0,
                    KernelArgs.of().ptr(rowLoss).ptr(targets).ptr(out).i32(rows).i32(ignoreIndex));
        }
    }

    /** dlogits from the forward's lse and out, and dloss (one float on the device: d loss / d mean). */
    public static void backward(CudaRuntime rt, DeviceBuffer logits, DeviceBuffer targets, DeviceBuffer lse,
            DeviceBuffer out, DeviceBuffer dloss, DeviceBuffer dlogits, int rows, int cols, int ignoreIndex,
            int version) {
        String v = Launch.versioned("cross_entropy_backward", "", version, VERSIONS);
        Launch.checkSizes("cross_entropy_backward", rows, cols);
        Launch.check4("cross_entropy_backward", "logits", logits, (long) rows * cols);
        Launch.check4("cross_entropy_backward", "dlogits", dlogits, (long) rows * cols);
        Launch.check4("cross_entropy_backward", "targets", targets, rows);
        Launch.check4("cross_entropy_backward", "dloss", dloss, 1);
        if ((long) rows * cols == 0) return;
        Launch.function(rt, SOURCE, "cross_entropy_backward" + v).launch(Dim3.of(rows), Dim3.of(Launch.BLOCK), 0,
                KernelArgs.of().ptr(logits).ptr(targets).ptr(lse).ptr(out).ptr(dloss).ptr(dlogits).i32(rows)
                        .i32(cols).i32(ignoreIndex));
    }
}
