package org.reformer4j.kernels.backend;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * The Backend calls served by softmax.cu, layer_norm.cu and philox_random.cu, on operands that do not start
 * at their buffer's start (the dense-copy path of FusedRows) and on short and long rows (both softmax
 * versions), against the CPU backend.
 */
class FusedRowsTest {
    @Test
    void offsetOperandsGoThroughDenseCopies() {
        Device cuda = Cases.cuda();
        Random r = new Random(16);
        for (int cols : new int[] {7, 700}) {
            Tensor base = Cases.random(r, DType.F32, 6, cols), dbase = base.to(cuda);
            Tensor x = base.narrow(0, 2, 3), dx = dbase.narrow(0, 2, 3);  // contiguous, offset 2*cols
            Tensor outBase = Tensor.zeros(new int[] {5, cols}, DType.F32, cuda);
            for (boolean log : new boolean[] {false, true}) {
                Tensor want = Tensor.zeros(new int[] {3, cols}, DType.F32, Device.CPU);
                Backends.cpu().softmaxRows(x, want, log);
                Backends.of(cuda).softmaxRows(dx, outBase.narrow(0, 1, 3), log);
                Cases.close("softmax log=" + log + " cols " + cols, want, outBase.narrow(0, 1, 3), 1e-5, 1e-7);
                Tensor dy = base.narrow(0, 0, 3), dwant = Tensor.zeros(new int[] {3, cols}, DType.F32, Device.CPU);
                Backends.cpu().softmaxRowsBackward(want, dy, dwant, log);
                Tensor dgot = Tensor.zeros(new int[] {4, cols}, DType.F32, cuda).narrow(0, 1, 3);
                Backends.of(cuda).softmaxRowsBackward(outBase.narrow(0, 1, 3), dbase.narrow(0, 0, 3), dgot, log);
                Cases.close("softmax backward log=" + log + " cols " + cols, dwant, dgot, 1e-4, 1e-6);
            }
            Tensor w = Cases.random(r, DType.F32, 2 * cols), dw = w.to(cuda);
            Tensor mean = Tensor.zeros(new int[] {3}, DType.F32, Device.CPU), rstd = Tensor.zeros(new int[] {3}, DType.F32, Device.CPU);
            Tensor y = Tensor.zeros(new int[] {3, cols}, DType.F32, Device.CPU);
            Backends.cpu().layerNormRows(x, w.narrow(0, cols, cols).clone(), w.narrow(0, 0, cols).clone(), 1e-5, y, mean, rstd);
            Tensor gy = Tensor.zeros(new int[] {2, 3, cols}, DType.F32, cuda).select(0, 1);
            Tensor gm = Tensor.zeros(new int[] {2, 3}, DType.F32, cuda).select(0, 1), gr = Tensor.zeros(new int[] {2, 3}, DType.F32, cuda).select(0, 1);
            Backends.of(cuda).layerNormRows(dx, dw.narrow(0, cols, cols), dw.narrow(0, 0, cols), 1e-5, gy, gm, gr);
            Cases.close("layerNorm cols " + cols, y, gy, 1e-4, 1e-5);
            Cases.close("layerNorm mean cols " + cols, mean, gm, 1e-5, 1e-6);
            Cases.close("layerNorm rstd cols " + cols, rstd, gr, 1e-5, 1e-6);
        }
        Tensor want = Tensor.zeros(new int[] {9}, DType.F32, Device.CPU);
        Backends.cpu().random(want, true, 3, 4, 5);
        Tensor got = Tensor.zeros(new int[] {12}, DType.F32, cuda).narrow(0, 3, 9);
        Backends.of(cuda).random(got, true, 3, 4, 5);
        Cases.close("randn into an offset view", want, got, 1e-6, 1e-7);
    }
}
