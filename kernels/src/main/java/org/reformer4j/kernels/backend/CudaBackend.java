package org.reformer4j.kernels.backend;

import java.lang.foreign.MemorySegment;
import org.reformer4j.core.Backend;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.ReduceOp;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Adam;
import org.reformer4j.kernels.Dropout;

/**
 * The core {@link Backend} on a CUDA device (the GPU, or the emulator in tests): storages hold device
 * buffers from the runtime's caching allocator (a closed {@link org.reformer4j.core.Scope} hands them back at
 * once; a storage outside every scope hands its buffer back when it is garbage collected), host transfers
 * are device copies, and every op is one of the kernel launchers of this package: {@link TensorCopy},
 * {@link TensorMap}, {@link RowReduce}, {@link CublasMatmul} / {@link BatchedGemm}, {@link FusedRows}
 * (softmax, layer norm and Philox kernels of org.reformer4j.kernels), {@link CrossEntropyRows},
 * {@link TensorIndex}, {@link SortRows}. bool is stored as one byte per element (0 or 1).
 */
public final class CudaBackend implements Backend {
    private final CudaRuntime runtime;

    public CudaBackend(CudaRuntime runtime) {
        this.runtime = runtime;
    }

    /** The runtime this backend launches on. */
    public CudaRuntime runtime() {
        return runtime;
    }

    /**
     * Whether the bounds checks of the index and cross-entropy ops wait for the device after each op (false,
     * the default: an out-of-range index throws at the op) or are read together at the next copy to the host
     * or {@link #checkPending()} (true: no host round trip inside a training step; the error then surfaces
     * there, as CUDA reports kernel errors late). Turning it off checks what is pending.
     */
    public void deferChecks(boolean on) {
        DeviceChecks.of(runtime).setDeferred(on);
    }

    /** Reads the deferred bounds checks now; throws the first failure. */
    public void checkPending() {
        DeviceChecks.of(runtime).flush();
    }

    @Override
    public String name() {
        return "cuda";
    }

    // ---- memory ----------------------------------------------------------------------------------

    private Storage wrap(Device device, DType dtype, int length) {
        if (device.index() != 0)
            throw new IllegalArgumentException("cuda: device " + device + " does not exist (only cuda:0 is served)");
        DeviceBuffer buffer = runtime.allocate((long) length * dtype.bytes());
        Storage s = new Storage(device, dtype, length, buffer);
        DeviceTensors.CLEANER.register(s, buffer::close);  // no-op when a scope released it first
        return s;
    }

    @Override
    public Storage allocate(Device device, DType dtype, int length, boolean zeroed) {
        Storage s = wrap(device, dtype, length);
        if (zeroed) runtime.memset((DeviceBuffer) s.data(), 0, (long) length * dtype.bytes(), (byte) 0);
        return s;
    }

    @Override
    public void release(Storage storage, Object data) {
        ((DeviceBuffer) data).close();
    }

    @Override
    public Storage fromHost(Device device, DType dtype, Object hostArray) {
        MemorySegment host = switch (hostArray) {
            case float[] a when dtype == DType.F32 -> MemorySegment.ofArray(a);
            case double[] a when dtype == DType.F64 -> MemorySegment.ofArray(a);
            case int[] a when dtype == DType.I32 -> MemorySegment.ofArray(a);
            case long[] a when dtype == DType.I64 -> MemorySegment.ofArray(a);
            case boolean[] a when dtype == DType.BOOL -> MemorySegment.ofArray(bytes(a));
            default -> throw new IllegalArgumentException("fromHost: a " + hostArray.getClass().getSimpleName()
                    + " cannot hold " + dtype);
        };
        int n = java.lang.reflect.Array.getLength(hostArray);
        Storage s = wrap(device, dtype, n);
        runtime.copyToDevice(host, (DeviceBuffer) s.data(), 0, (long) n * dtype.bytes());
        return s;
    }

    @Override
    public Object toHost(Tensor src) {
        DeviceChecks.of(runtime).flush(); // a copy to the host waits for the device anyway: deferred checks go with it
        int n = src.numel();
        Tensor dense = DeviceTensors.isContiguous(src) ? src : DeviceTensors.temporary(runtime, src, src.dtype(), src.shape());
        try {
            if (dense != src) TensorCopy.copy(src, dense);
            Object out = switch (src.dtype()) {
                case F32 -> new float[n];
                case F64 -> new double[n];
                case I32 -> new int[n];
                case I64 -> new long[n];
                case BOOL -> new byte[n];
            };
            MemorySegment host = switch (out) {
                case float[] a -> MemorySegment.ofArray(a);
                case double[] a -> MemorySegment.ofArray(a);
                case int[] a -> MemorySegment.ofArray(a);
                case long[] a -> MemorySegment.ofArray(a);
                default -> MemorySegment.ofArray((byte[]) out);
            };
            long bytes = (long) n * src.dtype().bytes();
            runtime.copyToHost(DeviceTensors.buffer("toHost", dense), (long) dense.offset() * src.dtype().bytes(), host, bytes);
            return out instanceof byte[] b ? booleans(b) : out;
        } finally {
            if (dense != src) DeviceTensors.free(dense);
        }
    }

    private static byte[] bytes(boolean[] a) {
        byte[] b = new byte[a.length];
        for (int i = 0; i < a.length; i++) b[i] = (byte) (a[i] ? 1 : 0);
        return b;
    }

    private static boolean[] booleans(byte[] b) {
        boolean[] a = new boolean[b.length];
        for (int i = 0; i < b.length; i++) a[i] = b[i] != 0;
        return a;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        TensorCopy.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        TensorCopy.fill(dst, value);
    }

    // ---- elementwise -----------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, double p, Tensor a, Tensor out) {
        TensorMap.unary(op, p, a, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        TensorMap.binary(op, a, b, out);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        TensorMap.where(cond, a, b, out);
    }

    // ---- reductions, linear algebra ----------------------------------------------------------------

    @Override
    public void reduceRows(ReduceOp op, Tensor a, Tensor out) {
        RowReduce.reduce(op, a, out);
    }

    @Override
    public void argReduceRows(boolean max, Tensor a, Tensor out) {
        RowReduce.argReduce(max, a, out);
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        switch (a.dtype()) {
            case F32 -> CublasMatmul.sgemm(a, b, out);
            case F64 -> BatchedGemm.gemmF64(a, b, out);
            default -> throw new IllegalArgumentException("matmul: unsupported dtype " + a.dtype());
        }
    }

    // ---- fused row kernels -------------------------------------------------------------------------

    @Override
    public void softmaxRows(Tensor a, Tensor out, boolean log) {
        FusedRows.softmax(a, out, log);
    }

    @Override
    public void softmaxRowsBackward(Tensor y, Tensor dy, Tensor dx, boolean log) {
        FusedRows.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNormRows(Tensor x, Tensor weight, Tensor bias, double eps, Tensor out, Tensor mean, Tensor rstd) {
        FusedRows.layerNorm(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormRowsBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
            Tensor dWeight, Tensor dBias) {
        FusedRows.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void crossEntropyRows(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor loss) {
        CrossEntropyRows.forward(logits, target, ignoreIndex, lse, loss);
    }

    @Override
    public void crossEntropyRowsBackward(Tensor logits, Tensor target, long ignoreIndex, Tensor lse, Tensor scale,
            Tensor dlogits) {
        CrossEntropyRows.backward(logits, target, ignoreIndex, lse, scale, dlogits);
    }

    // ---- indexing, random ------------------------------------------------------------------------

    @Override
    public void gather(Tensor src, int dim, Tensor index, Tensor out) {
        TensorIndex.gather(src, dim, index, out);
    }

    @Override
    public void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        TensorIndex.scatterAdd(dst, dim, index, src);
    }

    @Override
    public void indexSelect(Tensor src, int dim, Tensor index, Tensor out) {
        TensorIndex.indexSelect(src, dim, index, out);
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        TensorIndex.indexAdd(dst, dim, index, src);
    }

    @Override
    public void sortRows(Tensor a, boolean descending, int k, Tensor values, Tensor indices) {
        SortRows.sort(a, descending, k, values, indices);
    }

    @Override
    public void random(Tensor out, boolean normal, long seed, long stream, long counter) {
        switch (out.dtype()) {
            case F32 -> FusedRows.random(out, normal, seed, stream, counter);
            case F64 -> throw new UnsupportedOperationException((normal ? "randn" : "rand")
                    + ": float64 is not supported on cuda (philox_random.cu fills float32)");
            default -> throw new IllegalArgumentException("random: floating dtype required, got " + out.dtype());
        }
    }

    /**
     * Whether every tensor given (nulls skipped) is n contiguous float32 elements from its buffer's start: what the
     * fused kernels below take as plain DeviceBuffers.
     */
    private static boolean flatF32(int n, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && (t.dtype() != DType.F32 || t.offset() != 0 || t.numel() != n || !DeviceTensors.isContiguous(t)))
                return false;
        }
        return true;
    }

    /** dropout.cu for a contiguous float32 x at offset 0 (y and mask are fresh); anything else is left to tensor ops. */
    @Override
    public boolean dropout(Tensor x, Tensor y, Tensor mask, float atLeast, float keep, long seed, long stream, long counter) {
        if (!flatF32(x.numel(), x, y, mask) || !(atLeast >= 0f && atLeast <= 1f)) return false;
        Dropout.forward(runtime, DeviceTensors.buffer("dropout", x), DeviceTensors.buffer("dropout", y),
                DeviceTensors.buffer("dropout", mask), x.numel(), atLeast, keep, seed, stream, counter, Dropout.VERSIONS);
        return true;
    }

    // ---- optimizers ------------------------------------------------------------------------------

    /**
     * adam.cu on float32 tensors that each start at their buffer's beginning and are contiguous (parameters,
     * their gradients and moments are); anything else is left to the optimizer's tensor ops (false).
     */
    @Override
    public boolean adamStep(Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax, double lr, double beta1, double beta2,
            double eps, double weightDecay, boolean decoupled, boolean maximize, long step) {
        Adam.Step s = flatF32(p.numel(), p, g, m, v, vmax) ? adamHyper(lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step) : null;
        if (s == null) return false;
        Adam.step(runtime, s, DeviceTensors.buffer("adam", p), DeviceTensors.buffer("adam", g), DeviceTensors.buffer("adam", m),
                DeviceTensors.buffer("adam", v), vmax == null ? null : DeviceTensors.buffer("adam", vmax), p.numel(), Adam.VERSIONS);
        return true;
    }

    /**
     * adam.cu's list kernel (32 parameters a launch) when every parameter, gradient and moment is a float32 tensor
     * starting at its buffer's beginning and contiguous; else nothing is done (false).
     */
    @Override
    public boolean adamSteps(Tensor[] p, Tensor[] g, Tensor[] m, Tensor[] v, Tensor[] vmax, double lr, double beta1, double beta2,
            double eps, double weightDecay, boolean decoupled, boolean maximize, long step) {
        int count = p.length;
        for (int i = 0; i < count; i++) {
            if (!flatF32(p[i].numel(), p[i], g[i], m[i], v[i], vmax == null ? null : vmax[i])) return false;
        }
        Adam.Step s = adamHyper(lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step);
        if (s == null) return false;
        DeviceBuffer[] bp = new DeviceBuffer[count], bg = new DeviceBuffer[count], bm = new DeviceBuffer[count], bv = new DeviceBuffer[count];
        DeviceBuffer[] bvm = vmax == null ? null : new DeviceBuffer[count];
        long[] n = new long[count];
        for (int i = 0; i < count; i++) {
            bp[i] = DeviceTensors.buffer("adam", p[i]);
            bg[i] = DeviceTensors.buffer("adam", g[i]);
            bm[i] = DeviceTensors.buffer("adam", m[i]);
            bv[i] = DeviceTensors.buffer("adam", v[i]);
            if (bvm != null) bvm[i] = DeviceTensors.buffer("adam", vmax[i]);
            n[i] = p[i].numel();
        }
        Adam.stepList(runtime, s, bp, bg, bm, bv, bvm, n);
        return true;
    }

    /**
     * The kernels' hyper-parameters, or null for values they do not take (the optimizer's tensor ops then say what is
     * wrong, if anything).
     */
    private static Adam.Step adamHyper(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
            boolean maximize, long step) {
        try {
            return new Adam.Step(lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
