package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * Backend.matmul in float32 through the runtime's strided-batched SGEMM against the CPU backend: operands
 * untransposed, transposed, with non-unit strides in both dims (dense device copy), near their buffer's end,
 * with a shared batch operand, k = 0; and the layout rule that picks cuBLAS's transpose flag and ld.
 */
class CublasMatmulTest {
    @Test
    void layoutRule() {
        assertEquals(new CublasMatmul.Layout(false, 5), CublasMatmul.layout(4, 3, 1, 5));
        assertEquals(new CublasMatmul.Layout(true, 7), CublasMatmul.layout(4, 3, 7, 1));
        assertEquals(new CublasMatmul.Layout(false, 4), CublasMatmul.layout(4, 1, 1, 0));  // one column: ld free
        assertEquals(new CublasMatmul.Layout(false, 1), CublasMatmul.layout(1, 3, 0, 1));  // one row, unit columns
        assertNull(CublasMatmul.layout(1, 3, 0, 0));  // a row broadcast along its columns: copied dense
        assertNull(CublasMatmul.layout(4, 3, 2, 8));  // neither dim unit-stride
        assertNull(CublasMatmul.layout(4, 3, 1, 2));  // ld below the rows
    }

    @Test
    void everyOperandLayoutMatchesTheCpu() {
        Device cuda = Cases.cuda();
        Random r = new Random(15);
        int[][] sizes = {{1, 1, 1, 1}, {2, 5, 7, 3}, {3, 9, 4, 6}, {1, 6, 0, 5}};
        for (int[] s : sizes) {
            int batch = s[0], m = s[1], k = s[2], n = s[3];
            // padded bases: [batch, 2m, 2k+1] sliced with step 2 gives strides in both dims (the copy path)
            Tensor abase = Cases.random(r, DType.F32, batch, 2 * m, 2 * k + 1), bbase = Cases.random(r, DType.F32, batch, k, n + 3);
            Tensor[][] operands = {
                {abase.narrow(1, 0, m).narrow(2, 0, k), bbase.narrow(2, 3, n)},                 // b at its buffer's end
                {abase.slice(1, 0, 2 * m, 2).slice(2, 1, 2 * k + 1, 2), bbase.narrow(2, 0, n)},  // a strided both ways
                {abase.narrow(1, 0, m).narrow(2, 0, k).transpose(1, 2).contiguous().transpose(1, 2),
                 bbase.narrow(2, 0, n).transpose(1, 2).contiguous().transpose(1, 2)},            // both column-major
                {abase.narrow(1, 0, m).narrow(2, 0, k), bbase.narrow(0, 0, 1).narrow(2, 1, n).expand(batch, k, n)},  // shared b
            };
            Tensor dabase = abase.to(cuda), dbbase = bbase.to(cuda);
            Tensor[][] dOperands = {
                {dabase.narrow(1, 0, m).narrow(2, 0, k), dbbase.narrow(2, 3, n)},
                {dabase.slice(1, 0, 2 * m, 2).slice(2, 1, 2 * k + 1, 2), dbbase.narrow(2, 0, n)},
                {dabase.narrow(1, 0, m).narrow(2, 0, k).transpose(1, 2).contiguous().transpose(1, 2),
                 dbbase.narrow(2, 0, n).transpose(1, 2).contiguous().transpose(1, 2)},
                {dabase.narrow(1, 0, m).narrow(2, 0, k), dbbase.narrow(0, 0, 1).narrow(2, 1, n).expand(batch, k, n)},
            };
            for (int c = 0; c < operands.length; c++) {
                Tensor want = Tensor.zeros(new int[] {batch, m, n}, DType.F32, Device.CPU);
                Tensor got = Tensor.full(new int[] {batch, m, n}, 5, DType.F32, cuda);
                Backends.cpu().matmul(operands[c][0], operands[c][1], want);
                CublasMatmul.sgemm(dOperands[c][0], dOperands[c][1], got);
                Cases.close("sgemm " + java.util.Arrays.toString(s) + " case " + c, want, got, 1e-5, 1e-5);
            }
        }
    }
}
