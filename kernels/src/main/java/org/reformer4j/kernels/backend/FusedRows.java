package org.reformer4j.kernels.backend;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.LayerNorm;
import org.reformer4j.kernels.PhiloxRandom;
import org.reformer4j.kernels.Softmax;

/**
 * The Backend SPI calls served by the general float32 kernels of org.reformer4j.kernels: softmax.cu
 * (softmaxRows and its backward), layer_norm.cu (layerNormRows and its backward) and philox_random.cu
 * (random). Those launchers read and write buffers from their start, so an operand that does not begin
 * at its buffer's start goes through a dense device copy. float64 is refused with
 * {@link UnsupportedOperationException}: those kernels are float32 only.
 */
final class FusedRows {
    /** Rows up to this long use version 2 of softmax.cu (a warp per row), longer ones version 1 (a block). */
    static final int WARP_ROW_MAX = 512;

    private FusedRows() {}

    private static void requireF32(String op, Tensor t) {
        if (t.dtype() == DType.F64)
            throw new UnsupportedOperationException(op + ": float64 is not supported on cuda (the kernel is float32 only)");
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + ": floating input required, got " + t.dtype());
    }

    private static DeviceBuffer buf(Tensor t) {
        return t == null ? null : DeviceTensors.buffer("fused row kernel", t);
    }

    static void softmax(Tensor a, Tensor out, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        requireF32(op, a);
        int rows = a.size(0), cols = a.size(1);
        CudaRuntime rt = DeviceTensors.runtime(op, out);
        Tensor x = DeviceTensors.denseInput(op, a), y = DeviceTensors.denseOutput(op, out);
        try {
            Softmax.forward(rt, buf(x), buf(y), rows, cols, log, cols <= WARP_ROW_MAX ? 2 : 1);
            DeviceTensors.finishOutput(y, out);
        } finally {
            DeviceTensors.freeIfCopy(x, a);
        }
    }

    static void softmaxBackward(Tensor yT, Tensor dyT, Tensor dxT, boolean log) {
        String op = log ? "logSoftmaxBackward" : "softmaxBackward";
        requireF32(op, yT);
        int rows = yT.size(0), cols = yT.size(1);
        CudaRuntime rt = DeviceTensors.runtime(op, dxT);
        Tensor y = DeviceTensors.denseInput(op, yT), dy = DeviceTensors.denseInput(op, dyT);
        Tensor dx = DeviceTensors.denseOutput(op, dxT);
        try {
            Softmax.backward(rt, buf(y), buf(dy), buf(dx), rows, cols, log, cols <= WARP_ROW_MAX ? 2 : 1);
            DeviceTensors.finishOutput(dx, dxT);
        } finally {
            DeviceTensors.freeIfCopy(y, yT);
            DeviceTensors.freeIfCopy(dy, dyT);
        }
    }

    static void layerNorm(Tensor xT, Tensor wT, Tensor bT, double eps, Tensor outT, Tensor meanT, Tensor rstdT) {
        requireF32("layerNorm", xT);
        int rows = xT.size(0), cols = xT.size(1);
        CudaRuntime rt = DeviceTensors.runtime("layerNorm", outT);
        Tensor x = DeviceTensors.denseInput("layerNorm", xT);
        Tensor w = wT == null ? null : DeviceTensors.denseInput("layerNorm", wT);
        Tensor b = bT == null ? null : DeviceTensors.denseInput("layerNorm", bT);
        Tensor out = DeviceTensors.denseOutput("layerNorm", outT), mean = DeviceTensors.denseOutput("layerNorm", meanT);
        Tensor rstd = DeviceTensors.denseOutput("layerNorm", rstdT);
        try {
            LayerNorm.forward(rt, buf(x), buf(w), buf(b), buf(out), buf(mean), buf(rstd), rows, cols, (float) eps, 1);
            DeviceTensors.finishOutput(out, outT);
            DeviceTensors.finishOutput(mean, meanT);
            DeviceTensors.finishOutput(rstd, rstdT);
        } finally {
            DeviceTensors.freeIfCopy(x, xT);
            if (w != null) DeviceTensors.freeIfCopy(w, wT);
            if (b != null) DeviceTensors.freeIfCopy(b, bT);
        }
    }

    static void layerNormBackward(Tensor xT, Tensor wT, Tensor meanT, Tensor rstdT, Tensor dyT, Tensor dxT,
            Tensor dwT, Tensor dbT) {
        requireF32("layerNormBackward", xT);
        int rows = xT.size(0), cols = xT.size(1);
        String op = "layerNormBackward";
        CudaRuntime rt = DeviceTensors.runtime(op, dxT);
        Tensor x = DeviceTensors.denseInput(op, xT), mean = DeviceTensors.denseInput(op, meanT);
        Tensor rstd = DeviceTensors.denseInput(op, rstdT), dy = DeviceTensors.denseInput(op, dyT);
        Tensor w = wT == null ? null : DeviceTensors.denseInput(op, wT);
        Tensor dx = DeviceTensors.denseOutput(op, dxT);
        Tensor dw = dwT == null ? null : DeviceTensors.denseOutput(op, dwT);
        Tensor db = dbT == null ? null : DeviceTensors.denseOutput(op, dbT);
        try {
            LayerNorm.backward(rt, buf(dy), buf(x), buf(mean), buf(rstd), buf(w), buf(dx), buf(dw), buf(db), rows,
                    cols, 1);
            DeviceTensors.finishOutput(dx, dxT);
            DeviceTensors.finishOutput(dw, dwT);
            DeviceTensors.finishOutput(db, dbT);
        } finally {
            DeviceTensors.freeIfCopy(x, xT);
            DeviceTensors.freeIfCopy(mean, meanT);
            DeviceTensors.freeIfCopy(rstd, rstdT);
            DeviceTensors.freeIfCopy(dy, dyT);
            if (w != null) DeviceTensors.freeIfCopy(w, wT);
        }
    }

    static void random(Tensor outT, boolean normal, long seed, long stream, long counter) {
        String op = normal ? "randn" : "rand";
        requireF32(op, outT);
        if (!DeviceTensors.isContiguous(outT)) throw new IllegalArgumentException(op + ": output must be contiguous");
        CudaRuntime rt = DeviceTensors.runtime(op, outT);
        Tensor out = DeviceTensors.denseOutput(op, outT);
        long n = outT.numel();
        if (normal) PhiloxRandom.normal(rt, buf(out), n, seed, stream, counter, 1);
        else PhiloxRandom.uniform(rt, buf(out), n, seed, stream, counter, 1);
        DeviceTensors.finishOutput(out, outT);
    }
}
