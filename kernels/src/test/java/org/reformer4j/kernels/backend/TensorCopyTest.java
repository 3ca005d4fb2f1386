package org.reformer4j.kernels.backend;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * tensor_copy.cu against TensorCopyCpu: every dtype pair through contiguous, transposed, stepped, broadcast,
 * scalar, empty and rank-10 (cut into pieces) layouts, with NaN, infinities and out-of-range values for the
 * float -> integer casts; fill of every dtype on strided views. All exact.
 */
class TensorCopyTest {
    /** Source layouts over a CPU or device tensor [4, 6, 5] and the matching destination shapes. */
    static final List<UnaryOperator<Tensor>> SOURCES = List.of(
            t -> t, t -> t.transpose(0, 2), t -> t.slice(1, 1, 6, 2), t -> t.narrow(0, 1, 1).expand(3, 6, 5),
            t -> t.select(0, 2).select(0, 3).select(0, 4), t -> t.narrow(1, 2, 0));

    static Tensor special(Random r, DType dt) {
        Tensor t = Cases.random(r, dt, 4, 6, 5);
        if (!dt.isFloating()) return t;
        double[] v = t.toDoubleArray();
        double[] odd = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 3e9, -3e9, 2.5e19, -0.0, 0.7, -2.9};
        for (int i = 0; i < odd.length; i++) v[i * 13 % v.length] = odd[i];
        return Tensor.of(v, 4, 6, 5).to(dt);
    }

    @Test
    void copiesEveryDtypePairInEveryLayout() {
        Device cuda = Cases.cuda();
        Random r = new Random(1);
        for (DType from : DType.values()) {
            Tensor src = special(r, from), dsrc = src.to(cuda);
            for (DType to : DType.values())
                for (int l = 0; l < SOURCES.size(); l++) {
                    Tensor s = SOURCES.get(l).apply(src), ds = SOURCES.get(l).apply(dsrc);
                    Tensor want = Tensor.zeros(s.shape(), to, Device.CPU), got = Tensor.zeros(s.shape(), to, cuda);
                    TensorCopyCpu.copy(s, want);
                    TensorCopy.copy(ds, got);
                    Cases.close(from + " -> " + to + " layout " + l, want, got, 0, 0);
                    if (s.rank() < 2) continue;
                    Tensor gt = Tensor.zeros(reverse(s.shape()), to, cuda).permute(perm(s.rank()));
                    TensorCopy.copy(ds, gt);
                    Cases.close(from + " -> " + to + " layout " + l + " into a permuted view", want, gt.contiguous(), 0, 0);
                }
        }
    }

    private static int[] reverse(int[] s) {
        int[] o = new int[s.length];
        for (int i = 0; i < s.length; i++) o[i] = s[s.length - 1 - i];
        return o;
    }

    private static int[] perm(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = rank - 1 - i;
        return p;
    }

    @Test
    void rankTenIsCutIntoPieces() {
        Device cuda = Cases.cuda();
        int[] shape = {2, 3, 2, 2, 3, 2, 2, 3, 2, 3};
        Tensor x = Cases.random(new Random(2), DType.F32, shape);
        int[] p = {9, 0, 8, 1, 7, 2, 6, 3, 5, 4};  // no two axes merge
        Tensor want = x.permute(p).contiguous();
        Tensor got = Tensor.empty(want.shape(), DType.F32, cuda);
        TensorCopy.copy(x.to(cuda).permute(p), got);
        Cases.close("rank-10 permuted copy", want, got, 0, 0);
    }

    @Test
    void fillsEveryDtype() {
        Device cuda = Cases.cuda();
        for (DType dt : DType.values())
            for (double v : new double[] {0, 2.7, -1e20, Double.NaN, 1}) {
                Tensor want = Tensor.zeros(new int[] {5, 7}, dt, Device.CPU), got = Tensor.zeros(new int[] {5, 7}, dt, cuda);
                TensorCopyCpu.fill(want.slice(1, 1, 7, 3).t(), v);
                TensorCopy.fill(got.slice(1, 1, 7, 3).t(), v);
                Cases.close("fill " + dt + " with " + v, want, got, 0, 0);
            }
    }
}
