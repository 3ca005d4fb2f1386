package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Tensor;

/** CPU twin of row_reduce.cu: the CPU backend's reduceRows and argReduceRows (CpuRows). CPU tensors. */
public final class RowReduceCpu {
    private RowReduceCpu() {}

    public static void reduce(ReduceOp op, Tensor a, Tensor out) {
        Backends.cpu().reduceRows(op, a, out);
    }

    public static void argReduce(boolean max, Tensor a, Tensor out) {
        Backends.cpu().argReduceRows(max, a, out);
    }
}
