package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * tensor_index.cu against TensorIndexCpu: gather, scatter_add, index_select and index_add along every dim of
 * [4, 6, 5] tensors (transposed sources, int32 and int64 indices, every value dtype the ops take, repeated
 * indices for the adds, an empty index); an index out of range is the CPU's exception with the CPU's message.
 */
class TensorIndexTest {
    static final DType[] VALUES = {DType.F32, DType.F64, DType.I32, DType.I64};

    @Test
    void gatherAndScatterAddAlongEveryDim() {
        Device cuda = Cases.cuda();
        Random r = new Random(10);
        for (DType dt : VALUES)
            for (DType it : new DType[] {DType.I32, DType.I64})
                for (int d = 0; d < 3; d++) {
                    Tensor base = Cases.random(r, dt, 5, 6, 4);
                    Tensor src = base.permute(2, 1, 0), dsrc = base.to(cuda).permute(2, 1, 0);  // [4, 6, 5] views
                    int[] is = {3, 4, 5};
                    is[d] = 7;  // more picks than the dim has: repeats
                    int lim = src.size(d);
                    is[(d + 1) % 3] = Math.min(is[(d + 1) % 3], src.size((d + 1) % 3));
                    Tensor idx = Cases.indices(r, lim, it, is);
                    Tensor want = Tensor.zeros(is, dt, Device.CPU), got = Tensor.zeros(is, dt, cuda);
                    TensorIndexCpu.gather(src, d, idx, want);
                    TensorIndex.gather(dsrc, d, idx.to(cuda), got);
                    String at = dt + " index " + it + " dim " + d;
                    Cases.close(at + " gather", want, got, 0, 0);
                    Tensor upd = Cases.random(r, dt, is);
                    Tensor dst = Cases.random(r, dt, 4, 6, 5), ddst = dst.to(cuda);
                    TensorIndexCpu.scatterAdd(dst, d, idx, upd);
                    TensorIndex.scatterAdd(ddst, d, idx.to(cuda), upd.to(cuda));
                    Cases.close(at + " scatterAdd", dst, ddst, 1e-5, 1e-5);
                }
    }

    @Test
    void indexSelectAndIndexAddAlongEveryDim() {
        Device cuda = Cases.cuda();
        Random r = new Random(11);
        for (DType dt : new DType[] {DType.F32, DType.F64, DType.I32, DType.I64, DType.BOOL})
            for (int d = 0; d < 3; d++)
                for (int picks : new int[] {0, 9}) {
                    Tensor base = Cases.random(r, dt, 5, 6, 4);
                    Tensor src = base.transpose(0, 2), dsrc = base.to(cuda).transpose(0, 2);
                    Tensor idx = Cases.indices(r, src.size(d), d == 1 ? DType.I32 : DType.I64, picks);
                    int[] os = src.shape();
                    os[d] = picks;
                    Tensor want = Tensor.zeros(os, dt, Device.CPU), got = Tensor.zeros(os, dt, cuda);
                    TensorIndexCpu.indexSelect(src, d, idx, want);
                    TensorIndex.indexSelect(dsrc, d, idx.to(cuda), got);
                    String at = dt + " dim " + d + " picks " + picks;
                    Cases.close(at + " indexSelect", want, got, 0, 0);
                    if (dt == DType.BOOL) continue;
                    Tensor dst = Cases.random(r, dt, 4, 6, 5), ddst = dst.to(cuda), add = Cases.random(r, dt, os);
                    TensorIndexCpu.indexAdd(dst, d, idx, add);
                    TensorIndex.indexAdd(ddst, d, idx.to(cuda), add.to(cuda));
                    Cases.close(at + " indexAdd", dst, ddst, 1e-5, 1e-5);
                }
    }

    @Test
    void indexOutOfRangeIsTheCpuError() {
        Device cuda = Cases.cuda();
        Tensor src = Cases.random(new Random(12), DType.F32, 3, 4);
        for (long bad : new long[] {-1, 4}) {
            Tensor idx = Tensor.of(new long[] {0, 2, bad, 1, 3, 0}, 3, 2);
            Tensor out = Tensor.zeros(new int[] {3, 2}, DType.F32, Device.CPU);
            var want = assertThrows(IndexOutOfBoundsException.class, () -> TensorIndexCpu.gather(src, 1, idx, out));
            var got = assertThrows(IndexOutOfBoundsException.class,
                    () -> TensorIndex.gather(src.to(cuda), 1, idx.to(cuda), out.to(cuda)));
            assertEquals(want.getMessage(), got.getMessage());
            Tensor sel = Tensor.of(new long[] {1, bad}, 2);
            Tensor so = Tensor.zeros(new int[] {3, 2}, DType.F32, Device.CPU);
            var w2 = assertThrows(IndexOutOfBoundsException.class, () -> TensorIndexCpu.indexSelect(src, 1, sel, so));
            var g2 = assertThrows(IndexOutOfBoundsException.class,
                    () -> TensorIndex.indexSelect(src.to(cuda), 1, sel.to(cuda), so.to(cuda)));
            assertEquals(w2.getMessage(), g2.getMessage());
        }
    }
}
