package org.reformer4j.core.cpu;

import org.reformer4j.core.Backend;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.core.random.Generator;

/**
 * The CPU backend: heap arrays, a buffer pool fed by closed {@link org.reformer4j.core.Scope}s, the
 * kernels of {@link CpuElementwise}, {@link CpuRows}, {@link CpuLayerNorm}, {@link CpuIndex}, GEMM from
 * {@link Sgemm}, and Philox numbers from {@link Generator}.
 */
public final class CpuBackend implements Backend {
    private final BufferPool pool = new BufferPool(Long.getLong("reformer4j.cpu.poolBytes", 2L << 30));

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Storage allocate(Device device, DType dtype, int length, boolean zeroed) {
        Object data = pool.take(dtype, length);
        if (data == null) {
            data = Access.newArray(dtype, length);
        } else if (zeroed) {
            zero(data, length);
        }
        return Storage.allocated(device, dtype, length, data);
    }

    private static void zero(Object data, int n) {
        switch (data) {
            case float[] a -> java.util.Arrays.fill(a, 0, n, 0f);
            case double[] a -> java.util.Arrays.fill(a, 0, n, 0.0);
            case int[] a -> java.util.Arrays.fill(a, 0, n, 0);
            case long[] a -> java.util.Arrays.fill(a, 0, n, 0L);
            case boolean[] a -> java.util.Arrays.fill(a, 0, n, false);
            default -> throw new IllegalStateException("not a CPU buffer: " + data.getClass());
        }
    }

    @Override
    public void release(Storage storage, Object data) {
        pool.give(storage.dtype(), storage.length(), data);
    }

    @Override
    public Storage fromHost(Device device, DType dtype, Object hostArray) {
        Object copy = switch (hostArray) {
            case float[] a when dtype == DType.F32 -> a.clone();
            case double[] a when dtype == DType.F64 -> a.clone();
            case int[] a when dtype == DType.I32 -> a.clone();
            case long[] a when dtype == DType.I64 -> a.clone();
            case boolean[] a when dtype == DType.BOOL -> a.clone();
            default -> throw new IllegalArgumentException("fromHost: a " + hostArray.getClass().getSimpleName()
                    + " cannot hold " + dtype);
        };
        return new Storage(device, dtype, java.lang.reflect.Array.getLength(copy), copy);
    }

    @Override
    public Object toHost(Tensor src) {
        int n = src.numel();
        if (src.isContiguous() && src.offset() == 0 && src.storage().length() == n) {
            Object d = src.storage().data();
            return switch (d) {
                case float[] a -> a.clone();
                case double[] a -> a.clone();
                case int[] a -> a.clone();
                case long[] a -> a.clone();
                case boolean[] a -> a.clone();
                default -> throw new IllegalStateException();
            };
        }
        Object out = Access.newArray(src.dtype(), n);
        Storage s = new Storage(Device.CPU, src.dtype(), n, out);
        CpuElementwise.copy(src, Tensor.view(s, src.shape(), Shape.contiguousStrides(src.shape()), 0));
        return out;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CpuElementwise.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        CpuElementwise.fill(dst, value);
    }

    @Override
    public void unary(UnaryOp op, double p, Tensor a, Tensor out) {
        CpuElementwise.unary(op, p, a, out);
    }

    @Override
    public void clamp(Tensor a, double lo, double hi, Tensor out) {
        if (!CpuElementwise.clampF32(a, lo, hi, out)) Backend.super.clamp(a, lo, hi, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        // float32 comparisons, maximum/minimum and the relu/tanh/sigmoid gradient helpers: CpuSelect's loops
        if (a.dtype() == DType.F32 && CpuSelect.handles(op) && CpuSelect.binary(op, a, b, out)) return;
        CpuElementwise.binary(op, a, b, out);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (out.dtype() == DType.F32 && CpuSelect.where(cond, a, b, out)) return; // where and masked_fill in float32
        CpuElementwise.where(cond, a, b, out);
    }

    @Override
    public void reduceRows(ReduceOp op, Tensor a, Tensor out) {
        CpuRows.reduce(op, a, out);
    }

    @Override
    public void argReduceRows(boolean max, Tensor a, Tensor out) {
        CpuRows.argReduce(max, a, out);
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        int[] as = a.strides(), bs = b.strides();
        if (a.dtype() == DType.F32 && m == 1 && batch == 1) {
            CpuGemv.gemv(n, k, (float[]) a.storage().data(), a.offset(), as[2],
                    (float[]) b.storage().data(), b.offset(), bs[1], bs[2], (float[]) out.storage().data(), out.offset());
        } else if (a.dtype() == DType.F32) {
            Sgemm.sgemmBatched(batch, m, n, k, 1f,
                    (float[]) a.storage().data(), a.offset(), as[0], as[1], as[2],
                    (float[]) b.storage().data(), b.offset(), bs[0], bs[1], bs[2],
                    0f, (float[]) out.storage().data(), out.offset(), (long) m * n, n);
        } else if (a.dtype() == DType.F64) {
            Sgemm.dgemmBatched(batch, m, n, k, 1.0,
                    (double[]) a.storage().data(), a.offset(), as[0], as[1], as[2],
                    (double[]) b.storage().data(), b.offset(), bs[0], bs[1], bs[2],
                    0.0, (double[]) out.storage().data(), out.offset(), (long) m * n, n);
        } else {
            throw new IllegalArgumentException("matmul: unsupported dtype " + a.dtype());
        }
    }

    @Override
    public void softmaxRows(Tensor a, Tensor out, boolean log) {
        CpuRows.softmax(a, out, log);
    }

    @Override
    public void softmaxRowsBackward(Tensor y, Tensor dy, Tensor dx, boolean log) {
        CpuRows.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNormRows(Tensor x, Tensor weight, Tensor bias, double eps, Tensor out, Tensor mean, Tensor rstd) {
        CpuLayerNorm.forward(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormRowsBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy,
                                      Tensor dx, Tensor dWeight, Tensor dBias) {
        CpuLayerNorm.backward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void crossEntropyRows(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor loss) {
        CpuCrossEntropy.forward(logits, target, ignoreIndex, lse, loss);
    }

    @Override
    public void crossEntropyRowsBackward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor scale, Tensor dlogits) {
        CpuCrossEntropy.backward(logits, target, ignoreIndex, lse, scale, dlogits);
    }

    @Override
    public void gather(Tensor src, int dim, Tensor index, Tensor out) {
        CpuIndex.gather(src, dim, index, out);
    }

    @Override
    public void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        CpuIndex.scatterAdd(dst, dim, index, src);
    }

    @Override
    public void indexSelect(Tensor src, int dim, Tensor index, Tensor out) {
        CpuIndex.indexSelect(src, dim, index, out);
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        CpuIndex.indexAdd(dst, dim, index, src);
    }

    @Override
    public void sortRows(Tensor a, boolean descending, int k, Tensor values, Tensor indices) {
        CpuIndex.sortRows(a, descending, k, values, indices);
    }

    @Override
    public void random(Tensor out, boolean normal, long seed, long stream, long counter) {
        int n = out.numel();
        int off = out.offset();
        switch (out.dtype()) {
            case F32 -> {
                float[] a = (float[]) out.storage().data();
                if (normal) Generator.fillNormal(seed, stream, counter, 0, a, off, n);
                else Generator.fillUniform(seed, stream, counter, 0, a, off, n);
            }
            case F64 -> {
                double[] a = (double[]) out.storage().data();
                if (normal) Generator.fillNormal(seed, stream, counter, 0, a, off, n);
                else Generator.fillUniform(seed, stream, counter, 0, a, off, n);
            }
            default -> throw new IllegalArgumentException("random: floating dtype required, got " + out.dtype());
        }
    }
}
