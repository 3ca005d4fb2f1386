package org.reformer4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA emulator as a {@link CudaRuntime}: device memory is native memory (one {@link Arena} per block),
 * copies are segment copies, a module is the shared library {@link EmuCompiler} builds from the .cu file,
 * loaded with {@link SymbolLookup#libraryLookup}, and a launch calls the kernel's exported entry point
 * {@code int name__r4j_emu(const Launch*, void** kernelParams, char* error, int errorCapacity)} through a
 * downcall handle. Work runs synchronously, so streams and events only keep order and time.
 * Worker threads per launch: system property {@code reformer4j.emu.workers} (default min(4, cores)).
 * System property {@value #DRY_LAUNCH_PROPERTY}{@code =true} (read when the runtime is created) makes every
 * launch (and cuBLAS call, and device-to-device copy or memset of more than 64 KiB: the asynchronous device work)
 * stop just before the work itself: for measuring the host cost of the launch path only (results are then garbage;
 * the small copies and memsets still run, so that the deferred checks' flags read clean).
 */
final class EmulatedRuntime extends AbstractRuntime {
    private static final FunctionDescriptor ENTRY = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    private static final int ERROR_CAPACITY = 1024;
    /** System property: launches do everything but run the kernel (host-overhead benchmarks only). */
    static final String DRY_LAUNCH_PROPERTY = "reformer4j.emu.dryLaunch";
    /** Device copies and memsets above this size are skipped by a dry run; smaller ones (flags, scalars) still run. */
    private static final long DRY_BULK_BYTES = 64 << 10;

    /** A device block: its memory's arena and size. */
    private record Block(Arena arena, long bytes) {}

    private final ConcurrentHashMap<Long, Block> blocks = new ConcurrentHashMap<>();
    /** System property: the emulated device's memory in MiB (absent or 0: as much as the host gives). */
    static final String MEMORY_PROPERTY = "reformer4j.emu.memoryMiB";
    private final long memoryBytes = Long.getLong(MEMORY_PROPERTY, 0L) << 20;
    private final java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();
    private final Arena libraries = Arena.ofShared();
    private final int workers = Integer.getInteger("reformer4j.emu.workers",
            Math.min(4, Runtime.getRuntime().availableProcessors()));
    private final boolean dryLaunch = Boolean.getBoolean(DRY_LAUNCH_PROPERTY);

    @Override
    public String description() {
        return "CUDA emulator (" + EmuCompiler.compiler() + ", " + workers + " worker threads, imitating sm_90)";
    }

    @Override
    public int computeCapability() {
        return 90;
    }

    @Override
    long rawMalloc(long bytes) {
        if (allocated.addAndGet(bytes) > memoryBytes && memoryBytes > 0) {
            allocated.addAndGet(-bytes);
            throw new CudaException("emulator malloc", "CUDA_ERROR_OUT_OF_MEMORY", bytes + " bytes, " + allocated.get()
                    + " of " + memoryBytes + " allocated", "");
        }
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(bytes, 256);
        blocks.put(s.address(), new Block(arena, bytes));
        return s.address();
    }

    @Override
    void rawFree(long address) {
        Block block = blocks.remove(address);
        if (block == null)
            throw new CudaException("emulator free", "INVALID_DEVICE_POINTER", "0x" + Long.toHexString(address), "");
        allocated.addAndGet(-block.bytes());
        block.arena().close();
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    @Override
    void rawCopyToDevice(MemorySegment src, long dst, long bytes, Object stream) {
        MemorySegment.copy(src, 0, at(dst, bytes), 0, bytes);
    }

    @Override
    void rawCopyToHost(long src, MemorySegment dst, long bytes, Object stream) {
        MemorySegment.copy(at(src, bytes), 0, dst, 0, bytes);
    }

    @Override
    void rawCopyOnDevice(long src, long dst, long bytes, Object stream) {
        if (dryLaunch && bytes > DRY_BULK_BYTES) return; // bulk data: an asynchronous device operation, like a launch
        MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
    }

    @Override
    void rawMemset(long dst, byte value, long bytes, Object stream) {
        if (dryLaunch && bytes > DRY_BULK_BYTES) return;
        at(dst, bytes).fill(value);
    }

    @Override
    Object loadModule(KernelSource source) {
        Path library = EmuCompiler.compile(source);
        return SymbolLookup.libraryLookup(library, libraries);
    }

    @Override
    Object lookup(Object module, KernelSource source, String name) {
        MemorySegment entry = ((SymbolLookup) module).find(name + "__r4j_emu").orElseThrow(() -> new CudaException(
                "emulator function lookup", "NOT_FOUND", name + " in " + source.name(),
                "kernels of this file: " + source.kernelNames()));
        return Linker.nativeLinker().downcallHandle(entry, ENTRY);
    }

    @Override
    void rawLaunch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object stream,
            LaunchScratch scratch, MemorySegment params) {
        MemorySegment launch = scratch.emuLaunch, error = scratch.emuError;
        if (launch == null) {  // this thread's first emulated launch: its record and error buffer, kept
            Arena arena = Arena.ofAuto();
            scratch.emuLaunch = launch = arena.allocate(ValueLayout.JAVA_INT, 8);
            scratch.emuError = error = arena.allocate(ERROR_CAPACITY);
        }
        launch.setAtIndex(ValueLayout.JAVA_INT, 0, grid.x());
        launch.setAtIndex(ValueLayout.JAVA_INT, 1, grid.y());
        launch.setAtIndex(ValueLayout.JAVA_INT, 2, grid.z());
        launch.setAtIndex(ValueLayout.JAVA_INT, 3, block.x());
        launch.setAtIndex(ValueLayout.JAVA_INT, 4, block.y());
        launch.setAtIndex(ValueLayout.JAVA_INT, 5, block.z());
        launch.setAtIndex(ValueLayout.JAVA_INT, 6, sharedBytes);
        launch.setAtIndex(ValueLayout.JAVA_INT, 7, workers);
        error.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        if (dryLaunch) return;
        int rc;
        try {
            rc = (int) ((MethodHandle) function.handle()).invokeExact(launch, params, error, ERROR_CAPACITY);
        } catch (Throwable t) {
            throw new CudaException("emulator launch", t.getClass().getSimpleName(), function.label(),
                    String.valueOf(t.getMessage()));
        }
        if (rc != 0)
            throw new CudaException("emulator launch", "EMULATOR_KERNEL_ERROR", function.label(),
                    error.getString(0, StandardCharsets.UTF_8));
    }

    @Override
    Object streamCreate() {
        return new Object();
    }

    @Override
    void streamSynchronize(Object stream) {}

    @Override
    void streamDestroy(Object stream) {}

    @Override
    Object eventCreate() {
        return new long[1];
    }

    @Override
    void eventRecord(Object event, Object stream) {
        ((long[]) event)[0] = System.nanoTime();
    }

    @Override
    void eventSynchronize(Object event) {}

    @Override
    float eventElapsedMillis(Object start, Object end) {
        return (((long[]) end)[0] - ((long[]) start)[0]) / 1e6f;
    }

    @Override
    void eventDestroy(Object event) {}

    @Override
    public void synchronize() {}

    @Override
    public void setTf32(boolean enabled) {
        // The host GEMM is always full float32; TF32 would only lower precision.
    }

    @Override
    void rawSgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
            long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
        if (dryLaunch) return; // a cuBLAS call is a launch here too
        long span = Long.MAX_VALUE / 8;  // bounds were checked against the buffers by the caller
        HostGemm.sgemmStridedBatched(transA, transB, m, n, k, alpha, at(a, span), lda, strideA, at(b, span), ldb,
                strideB, beta, at(c, span), ldc, strideC, batch);
    }

    @Override
    void shutdown() {
        for (Block b : blocks.values()) b.arena().close();
        blocks.clear();
        libraries.close();
    }
}
