package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSgemmStridedBatched;
import static org.bytedeco.cuda.global.cudart.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The GPU as a {@link CudaRuntime}, through JavaCPP's CUDA 13 presets, driver API only where the runtime
 * API is not needed (cuBLAS uses the device's primary context, which this class makes current on every
 * thread that calls it). Only CUDA 13.0 entry points are used: the GPU machines run driver 580, and a call
 * into a newer symbol would end the JVM. Created only by {@link CudaRuntimes#gpu()} after the driver probe.
 */
final class GpuRuntime extends AbstractRuntime {
    private final CudaProbe probe;
    private final CUctx_st context = new CUctx_st();
    private cublasContext blas;
    private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);
    /** cuBLAS's A, B, C operands, re-pointed per call (rawSgemm is synchronized). */
    private final Native.Floats opA = new Native.Floats(), opB = new Native.Floats(), opC = new Native.Floats();

    private GpuRuntime(CudaProbe probe) {
        this.probe = probe;
    }

    static GpuRuntime open(CudaProbe probe) {
        GpuRuntime r = new GpuRuntime(probe);
        Native.check(cuInit(0), "cuInit", 0);
        int[] device = {0};
        Native.check(cuDeviceGet(device, 0), "cuDeviceGet", 0);
        Native.check(cuDevicePrimaryCtxRetain(r.context, device[0]), "cuDevicePrimaryCtxRetain", device[0]);
        r.makeCurrent();
        return r;
    }

    private void makeCurrent() {
        makeCurrent(LaunchScratch.get());
    }

    /**
     * Makes the context current on this thread unless this thread's scratch says it already is. Only this
     * class sets contexts (cuBLAS and NVRTC do not change the current one); should other code switch this thread
     * to another context anyway, {@link #rawLaunch} sees the launch fail and sets the context again.
     */
    private void makeCurrent(LaunchScratch scratch) {
        if (scratch.gpuContext == context.address()) return;
        Native.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        scratch.gpuContext = context.address();
    }

    @Override
    public String description() {
        return probe.toString();
    }

    @Override
    public int computeCapability() {
        return probe.computeCapability();
    }

    @Override
    long rawMalloc(long bytes) {
        makeCurrent();
        long[] ptr = {0};
        Native.check(cuMemAlloc(ptr, bytes), "cuMemAlloc", bytes + " bytes");
        return ptr[0];
    }

    @Override
    void rawFree(long address) {
        makeCurrent();
        Native.check(cuMemFree(address), "cuMemFree", address);
    }

    @Override
    void rawCopyToDevice(MemorySegment src, long dst, long bytes, Object stream) {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = src.isNative() ? src : arena.allocate(bytes, 64).copyFrom(src.asSlice(0, bytes));
            Native.check(cuMemcpyHtoD(dst, new Native.Address(host.address()), bytes), "cuMemcpyHtoD", dst, bytes);
        }
    }

    @Override
    void rawCopyToHost(long src, MemorySegment dst, long bytes, Object stream) {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = dst.isNative() ? dst : arena.allocate(bytes, 64);
            Native.check(cuMemcpyDtoH(new Native.Address(host.address()), src, bytes), "cuMemcpyDtoH", src, bytes);
            if (host != dst) MemorySegment.copy(host, 0, dst, 0, bytes);
        }
    }

    @Override
    void rawCopyOnDevice(long src, long dst, long bytes, Object stream) {
        makeCurrent();
        Native.check(cuMemcpyDtoDAsync(dst, src, bytes, (CUstream_st) stream), "cuMemcpyDtoDAsync", dst, src, bytes);
    }

    @Override
    void rawMemset(long dst, byte value, long bytes, Object stream) {
        makeCurrent();
        Native.check(cuMemsetD8Async(dst, value, bytes, (CUstream_st) stream), "cuMemsetD8Async", dst, value, bytes);
    }

    @Override
    Object loadModule(KernelSource source) {
        makeCurrent();
        byte[] cubin;
        try {
            cubin = NvrtcCompiler.compile(source, probe.computeCapability());
        } catch (IOException e) {
            throw new UncheckedIOException("compiling " + source.name(), e);
        }
        CUmod_st module = new CUmod_st();
        Native.check(cuModuleLoadData(module, new BytePointer(cubin)), "cuModuleLoadData", source.name(),
                cubin.length + " bytes of CUBIN");
        return module;
    }

    @Override
    Object lookup(Object module, KernelSource source, String name) {
        makeCurrent();
        CUfunc_st f = new CUfunc_st();
        Native.check(cuModuleGetFunction(f, (CUmod_st) module, name), "cuModuleGetFunction", name, source.name());
        return f;
    }

    @Override
    void rawLaunch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object stream,
            LaunchScratch scratch, MemorySegment params) {
        makeCurrent(scratch);
        CUfunc_st f = (CUfunc_st) function.handle();
        if (sharedBytes > 48 * 1024 && function.sharedAllowed != sharedBytes) {
            Native.check(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes),
                    "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", function.label(), sharedBytes);
            function.sharedAllowed = sharedBytes;
        }
        if (scratch.gpuParamsAddress != params.address()) {  // this thread's first launch, or its scratch grew
            scratch.gpuParams = new Native.PointerArray(params.address());
            scratch.gpuParamsAddress = params.address();
        }
        Native.PointerArray kernelParams = (Native.PointerArray) scratch.gpuParams;
        int rc = cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                (CUstream_st) stream, kernelParams, (PointerPointer<?>) null);
        if (rc == CUDA_ERROR_INVALID_CONTEXT || rc == CUDA_ERROR_INVALID_HANDLE) {
            // another library may have made a different context current on this thread: set ours, try once more
            scratch.gpuContext = 0;
            makeCurrent(scratch);
            rc = cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                    (CUstream_st) stream, kernelParams, (PointerPointer<?>) null);
        }
        Native.check(rc, "cuLaunchKernel", function.label());
    }

    @Override
    Object streamCreate() {
        makeCurrent();
        CUstream_st s = new CUstream_st();
        Native.check(cuStreamCreate(s, 0), "cuStreamCreate");
        return s;
    }

    @Override
    void streamSynchronize(Object stream) {
        makeCurrent();
        Native.check(cuStreamSynchronize((CUstream_st) stream), "cuStreamSynchronize");
    }

    @Override
    void streamDestroy(Object stream) {
        makeCurrent();
        Native.check(cuStreamDestroy((CUstream_st) stream), "cuStreamDestroy");
    }

    @Override
    Object eventCreate() {
        makeCurrent();
        CUevent_st e = new CUevent_st();
        Native.check(cuEventCreate(e, 0), "cuEventCreate");
        return e;
    }

    @Override
    void eventRecord(Object event, Object stream) {
        makeCurrent();
        Native.check(cuEventRecord((CUevent_st) event, (CUstream_st) stream), "cuEventRecord");
    }

    @Override
    void eventSynchronize(Object event) {
        makeCurrent();
        Native.check(cuEventSynchronize((CUevent_st) event), "cuEventSynchronize");
    }

    @Override
    float eventElapsedMillis(Object start, Object end) {
        makeCurrent();
        float[] ms = {0};
        Native.check(cuEventElapsedTime(ms, (CUevent_st) start, (CUevent_st) end), "cuEventElapsedTime");
        return ms[0];
    }

    @Override
    void eventDestroy(Object event) {
        makeCurrent();
        Native.check(cuEventDestroy((CUevent_st) event), "cuEventDestroy");
    }

    @Override
    public void synchronize() {
        makeCurrent();
        Native.check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    private synchronized cublasContext blas() {
        if (blas == null) {
            makeCurrent();
            blas = new cublasContext();
            Native.checkBlas(cublasCreate_v2(blas), "cublasCreate");
        }
        return blas;
    }

    @Override
    public void setTf32(boolean enabled) {
        Native.checkBlas(cublasSetMathMode(blas(), enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode", enabled ? "TF32" : "default");
    }

    @Override
    synchronized void rawSgemm(boolean transA, boolean transB, int m, int n, int k, float alphaValue, long a,
            int lda, long strideA, long b, int ldb, long strideB, float betaValue, long c, int ldc, long strideC,
            int batch) {
        cublasContext h = blas();
        makeCurrent();
        alpha.put(alphaValue);
        beta.put(betaValue);
        Native.checkBlas(cublasSgemmStridedBatched(h, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                transB ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, alpha, opA.at(a), lda, strideA, opB.at(b), ldb, strideB,
                beta, opC.at(c), ldc, strideC, batch), "cublasSgemmStridedBatched", m, n, k, lda, ldb, ldc, batch);
    }

    @Override
    void shutdown() {
        if (blas != null) cublasDestroy_v2(blas);
        alpha.close();
        beta.close();
    }
}
