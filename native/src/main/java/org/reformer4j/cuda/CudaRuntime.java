package org.reformer4j.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A CUDA device as the rest of reformer4j sees it: memory, copies, kernel modules, streams and events,
 * cuBLAS. Two implementations stand behind it, chosen only in {@link CudaRuntimes}: the GPU (through
 * JavaCPP's CUDA presets) and the emulator (the same .cu files compiled by g++ and run on the CPU). Code
 * outside this package never asks which one it has.
 */
public interface CudaRuntime extends AutoCloseable {
    /** One line: device name, compute capability, driver; or the emulator and its compiler. */
    String description();

    /** Compute capability as major*10+minor (90 for sm_90); the emulator reports the one it imitates. */
    int computeCapability();

    /** A buffer of {@code bytes} from the caching allocator (contents undefined). */
    DeviceBuffer allocate(long bytes);

    /** Copies {@code bytes} from host memory (heap or native segment) into {@code dst} at {@code dstOffset}. */
    void copyToDevice(MemorySegment src, DeviceBuffer dst, long dstOffset, long bytes);

    /** Copies {@code bytes} from {@code src} at {@code srcOffset} into host memory. */
    void copyToHost(DeviceBuffer src, long srcOffset, MemorySegment dst, long bytes);

    /** Copies between two device buffers. */
    void copyOnDevice(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes);

    /** Sets {@code bytes} bytes of {@code dst} from {@code offset} to {@code value}. */
    void memset(DeviceBuffer dst, long offset, long bytes, byte value);

    /** The compiled and loaded module of {@code source}; compiled once, then cached in memory and on disk. */
    CudaModule module(KernelSource source);

    CudaStream defaultStream();

    CudaStream newStream();

    CudaEvent newEvent();

    /** Waits for all queued work on the device. */
    void synchronize();

    /**
     * Column-major batched C = alpha*op(A)*op(B) + beta*C (cuBLAS {@code cublasSgemmStridedBatched}), all
     * offsets and strides in floats. op(A) is m x k, op(B) is k x n, C is m x n.
     */
    void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
            DeviceBuffer a, long aOffset, int lda, long strideA,
            DeviceBuffer b, long bOffset, int ldb, long strideB, float beta,
            DeviceBuffer c, long cOffset, int ldc, long strideC, int batch);

    /** Lets cuBLAS use TF32 tensor cores for float GEMMs (off by default: full float32). */
    void setTf32(boolean enabled);

    /**
     * Host-to-device copies so far ({@link #copyToDevice} calls moving at least one byte): with
     * {@link #copiesToHost} what tests use to see that work stays on the device.
     */
    long copiesToDevice();

    /** Device-to-host copies so far ({@link #copyToHost} calls moving at least one byte): each one waits for the device. */
    long copiesToHost();

    /** Kernel launches and cuBLAS calls so far: with a step's time, what tells whether launching bounds it. */
    long launches();

    /**
     * Launches so far per kernel function name ("cublas sgemm" for cuBLAS calls), when the JVM runs with
     * {@code -Dreformer4j.cuda.launchHistogram=true}; empty otherwise. For finding which kernels a step launches
     * most (the host cost of a launch is what bounds small models on a GPU).
     */
    java.util.Map<String, Long> launchHistogram();

    /** Bytes the caching allocator holds for live buffers. */
    long bytesInUse();

    /**
     * Garbage collections this runtime asked for so far to get back the buffers of unreachable tensors (before the
     * pool would grow past its threshold, or before an out-of-memory error; -Dreformer4j.cuda.reclaimMiB).
     */
    long reclaims();

    /** Bytes of freed buffers kept for reuse. */
    long bytesCached();

    /** Gives cached device memory back to the driver. */
    void emptyCache();

    @Override
    void close();

    // ---- conveniences over the calls above ----

    default DeviceBuffer upload(float[] values) {
        DeviceBuffer b = allocate(4L * values.length);
        copyToDevice(MemorySegment.ofArray(values), b, 0, 4L * values.length);
        return b;
    }

    default DeviceBuffer upload(int[] values) {
        DeviceBuffer b = allocate(4L * values.length);
        copyToDevice(MemorySegment.ofArray(values), b, 0, 4L * values.length);
        return b;
    }

    default float[] downloadFloats(DeviceBuffer src, int count) {
        float[] out = new float[count];
        copyToHost(src, 0, MemorySegment.ofArray(out), 4L * count);
        return out;
    }

    default int[] downloadInts(DeviceBuffer src, int count) {
        int[] out = new int[count];
        copyToHost(src, 0, MemorySegment.ofArray(out), 4L * count);
        return out;
    }
}
