package org.reformer4j.cuda;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the GPU and the emulator share: the caching allocator, the module cache, argument checks and the
 * marshalling of kernel arguments (into the launching thread's {@link LaunchScratch}, no allocation per
 * launch). Subclasses supply the raw device calls (package-private, below) and
 * nothing else, so the two devices cannot drift apart in anything but the native call itself.
 */
abstract class AbstractRuntime implements CudaRuntime {
    private final CachingAllocator allocator = new CachingAllocator(new CachingAllocator.Raw() {
        @Override
        public long malloc(long bytes) {
            return rawMalloc(bytes);
        }

        @Override
        public void free(long address) {
            rawFree(address);
        }
    });
    private final CachingAllocator.Blocks<DeviceBuffer> buffers = (address, bytes, capacity) ->
            new DeviceBuffer(this, address, bytes, capacity);
    private final ConcurrentHashMap<KernelSource, CudaModule> modules = new ConcurrentHashMap<>();
    private final CudaStream defaultStream = new CudaStream(this, null, false);
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong toDevice = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong toHost = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong launches = new java.util.concurrent.atomic.AtomicLong();
    /** Launches per kernel name (and "cublas sgemm"), kept only when {@value #HISTOGRAM_PROPERTY} is true. */
    static final String HISTOGRAM_PROPERTY = "reformer4j.cuda.launchHistogram";
    private final boolean histogramOn = Boolean.getBoolean(HISTOGRAM_PROPERTY); // read when the runtime opens
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> histogram =
            new java.util.concurrent.ConcurrentHashMap<>();

    // ---- the raw device calls ----
    abstract long rawMalloc(long bytes);

    abstract void rawFree(long address);

    /** {@code src} may be a heap or a native segment. */
    abstract void rawCopyToDevice(MemorySegment src, long dst, long bytes, Object stream);

    abstract void rawCopyToHost(long src, MemorySegment dst, long bytes, Object stream);

    abstract void rawCopyOnDevice(long src, long dst, long bytes, Object stream);

    abstract void rawMemset(long dst, byte value, long bytes, Object stream);

    abstract Object loadModule(KernelSource source);

    abstract Object lookup(Object module, KernelSource source, String name);

    /**
     * Launches {@code function} with the {@code kernelParams} array at the start of {@code params}, the calling
     * thread's scratch segment (free again when this returns; {@code scratch} holds what else the runtime keeps
     * per thread). {@link CudaFunction#label()} names the kernel in errors.
     */
    abstract void rawLaunch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object stream,
            LaunchScratch scratch, MemorySegment params);

    abstract Object streamCreate();

    abstract void streamSynchronize(Object stream);

    abstract void streamDestroy(Object stream);

    abstract Object eventCreate();

    abstract void eventRecord(Object event, Object stream);

    abstract void eventSynchronize(Object event);

    abstract float eventElapsedMillis(Object start, Object end);

    abstract void eventDestroy(Object event);

    abstract void rawSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
            long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch);

    abstract void shutdown();

    // ---- the shared logic ----

    @Override
    public DeviceBuffer allocate(long bytes) {
        checkOpen();
        if (reclaimFloor > 0 && allocator.bytesInUse() > reclaimAt && !allocator.hasCached(bytes)) reclaim();
        try {
            return allocator.allocate(bytes, buffers);
        } catch (CudaException e) {
            if (!e.errorName().contains("OUT_OF_MEMORY")) throw e;
            reclaim(); // buffers held only by garbage come back, then the allocator's own retry (cache emptied)
            return allocator.allocate(bytes, buffers);
        }
    }

    /** System property: device MiB in use above which an allocation that would grow the pool first collects garbage. */
    static final String RECLAIM_PROPERTY = "reformer4j.cuda.reclaimMiB";
    /**
     * The buffer of a tensor that no scope closed (a gradient replaced by the next step's, a block's output) goes back
     * to the pool when the garbage collector has found its storage unreachable and a Cleaner has run: the JVM's heap
     * fills slowly with such small objects, so without help the device pool grows by every step's garbage (the seed
     * step on an H100 reached 17 GiB after 300 steps) and raw device allocations, which synchronise the device, happen
     * in every step. So when an allocation would need a raw block while more than {@code reclaimAt} bytes are in use,
     * {@link #reclaim} collects first; reclaimAt is then four times what stayed in use, at least the property's floor
     * (2048 MiB by default; 0 turns this off, leaving only the collection before an out-of-memory error).
     */
    private final long reclaimFloor = Long.getLong(RECLAIM_PROPERTY, 2048L) << 20;
    private volatile long reclaimAt = reclaimFloor;
    private final java.util.concurrent.atomic.AtomicLong reclaims = new java.util.concurrent.atomic.AtomicLong();
    private final Object reclaiming = new Object();

    /**
     * Runs the garbage collector and waits while the Cleaners hand buffers back (until 5 ms pass without a release,
     * 100 ms when none came at all, at most 500 ms, from the collection's end), so that the next allocation finds
     * them in the cache.
     */
    private void reclaim() {
        synchronized (reclaiming) {
            long last = allocator.bytesInUse();
            boolean released = false;
            System.gc();
            long start = System.nanoTime(), quietSince = start; // the waits count from the collection's end
            while (true) {
                Thread.onSpinWait();
                long now = System.nanoTime(), inUse = allocator.bytesInUse();
                if (inUse < last) {
                    last = inUse;
                    quietSince = now;
                    released = true;
                } else if (now - quietSince > (released ? 5_000_000L : 100_000_000L)) {
                    break;
                }
                if (now - start > 500_000_000L) break;
                if (now - quietSince > 1_000_000L) Thread.yield();
            }
            reclaims.incrementAndGet();
            reclaimAt = Math.max(reclaimFloor, 4 * allocator.bytesInUse());
        }
    }

    @Override
    public long reclaims() {
        return reclaims.get();
    }

    void release(DeviceBuffer buffer) {
        if (!closed) allocator.release(buffer.addressUnchecked(), buffer.capacity());
    }

    @Override
    public void copyToDevice(MemorySegment src, DeviceBuffer dst, long dstOffset, long bytes) {
        dst.checkRange("copyToDevice", dstOffset, bytes);
        if (bytes > src.byteSize())
            throw new IndexOutOfBoundsException("copyToDevice: " + bytes + " bytes from a host segment of "
                    + src.byteSize());
        if (bytes > 0) {
            toDevice.incrementAndGet();
            rawCopyToDevice(src, dst.address() + dstOffset, bytes, null);
        }
    }

    @Override
    public long copiesToDevice() {
        return toDevice.get();
    }

    @Override
    public long copiesToHost() {
        return toHost.get();
    }

    @Override
    public long launches() {
        return launches.get();
    }

    private void count(String name) {
        histogram.computeIfAbsent(name, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    @Override
    public java.util.Map<String, Long> launchHistogram() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        histogram.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public void copyToHost(DeviceBuffer src, long srcOffset, MemorySegment dst, long bytes) {
        src.checkRange("copyToHost", srcOffset, bytes);
        if (bytes > dst.byteSize())
            throw new IndexOutOfBoundsException("copyToHost: " + bytes + " bytes into a host segment of "
                    + dst.byteSize());
        if (bytes > 0) {
            toHost.incrementAndGet();
            rawCopyToHost(src.address() + srcOffset, dst, bytes, null);
        }
    }

    @Override
    public void copyOnDevice(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        src.checkRange("copyOnDevice(src)", srcOffset, bytes);
        dst.checkRange("copyOnDevice(dst)", dstOffset, bytes);
        if (bytes > 0) rawCopyOnDevice(src.address() + srcOffset, dst.address() + dstOffset, bytes, null);
    }

    @Override
    public void memset(DeviceBuffer dst, long offset, long bytes, byte value) {
        dst.checkRange("memset", offset, bytes);
        if (bytes > 0) rawMemset(dst.address() + offset, value, bytes, null);
    }

    @Override
    public CudaModule module(KernelSource source) {
        checkOpen();
        CudaModule m = modules.get(source);
        return m != null ? m : modules.computeIfAbsent(source, s -> new CudaModule(this, s, loadModule(s)));
    }

    void launch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        checkOpen();
        launches.incrementAndGet();
        if (histogramOn) count(function.name());
        LaunchScratch scratch = LaunchScratch.get();
        MemorySegment params = scratch.params(args.marshalledBytes());
        args.marshal(params);
        try {
            rawLaunch(function, grid, block, sharedBytes, stream.handle(), scratch, params);
        } catch (CudaException e) {
            throw new CudaException(e.call(), e.errorName(), "kernel " + function.name() + " of "
                    + function.module().source().name() + ", grid " + grid + ", block " + block + ", shared "
                    + sharedBytes + " B, args " + args, e.log());
        }
    }

    @Override
    public CudaStream defaultStream() {
        return defaultStream;
    }

    @Override
    public CudaStream newStream() {
        return new CudaStream(this, streamCreate(), true);
    }

    @Override
    public CudaEvent newEvent() {
        return new CudaEvent(this, eventCreate());
    }

    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
            DeviceBuffer a, long aOffset, int lda, long strideA, DeviceBuffer b, long bOffset, int ldb,
            long strideB, float beta, DeviceBuffer c, long cOffset, int ldc, long strideC, int batch) {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new IllegalArgumentException(sgemmCall(m, n, k, batch) + ": negative size");
        int rowsA = transA ? k : m, rowsB = transB ? n : k;
        if (lda < Math.max(1, rowsA) || ldb < Math.max(1, rowsB) || ldc < Math.max(1, m))
            throw new IllegalArgumentException(sgemmCall(m, n, k, batch) + ": leading dimensions lda=" + lda + " ldb="
                    + ldb + " ldc=" + ldc + " too small for op(A) " + m + "x" + k + ", op(B) " + k + "x" + n);
        if (m == 0 || n == 0 || batch == 0) return;
        checkSpan('A', m, n, k, a, aOffset, (long) lda * (transA ? m : k), strideA, batch);
        checkSpan('B', m, n, k, b, bOffset, (long) ldb * (transB ? k : n), strideB, batch);
        checkSpan('C', m, n, k, c, cOffset, (long) ldc * n, strideC, batch);
        launches.incrementAndGet();
        if (histogramOn) count("cublas sgemm");
        rawSgemm(transA, transB, m, n, k, alpha, a.address() + 4 * aOffset, lda, strideA,
                b.address() + 4 * bOffset, ldb, strideB, beta, c.address() + 4 * cOffset, ldc, strideC, batch);
    }

    private static String sgemmCall(int m, int n, int k, int batch) {
        return "sgemmStridedBatched(m=" + m + ", n=" + n + ", k=" + k + ", batch=" + batch + ")";
    }

    /** The operand's floats lie in its buffer and the buffer is open (the message is built only on failure). */
    private static void checkSpan(char operand, int m, int n, int k, DeviceBuffer buf, long offset, long matrixFloats,
            long stride, int batch) {
        long lastFloat = offset + (long) (batch - 1) * stride + matrixFloats;
        if (offset < 0 || stride < 0 || 4 * lastFloat > buf.byteSize())
            throw new IndexOutOfBoundsException(sgemmCall(m, n, k, batch) + " " + operand + ": floats [" + offset + ", "
                    + lastFloat + ") outside buffer of " + buf.byteSize() / 4 + " floats");
        if (buf.isClosed()) buf.checkOpen(sgemmCall(m, n, k, batch) + " " + operand);
    }

    @Override
    public long bytesInUse() {
        return allocator.bytesInUse();
    }

    @Override
    public long bytesCached() {
        return allocator.bytesCached();
    }

    @Override
    public void emptyCache() {
        allocator.emptyCache();
    }

    long rawAllocations() {
        return allocator.rawAllocations();
    }

    @Override
    public void close() {
        if (closed) return;
        synchronize();
        allocator.emptyCache();
        closed = true;
        shutdown();
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("CUDA runtime " + description() + " is closed");
    }
}
