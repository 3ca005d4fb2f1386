package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;

/**
 * CPU twin of tensor_map.cu: the CPU backend's unary, binary and where (CpuElementwise, whose float64
 * formulas are UnaryOp.apply / BinaryOp.apply). Operands are CPU tensors.
 */
public final class TensorMapCpu {
    private TensorMapCpu() {}

    public static void unary(UnaryOp op, double p, Tensor a, Tensor out) {
        Backends.cpu().unary(op, p, a, out);
    }

    public static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Backends.cpu().binary(op, a, b, out);
    }

    public static void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        Backends.cpu().where(cond, a, b, out);
    }
}
