package org.reformer4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What a thread reuses from one kernel launch to the next, so that a launch allocates no native memory:
 * the scratch segment {@link KernelArgs#marshal} writes the {@code kernelParams} array and the values into
 * (cuLaunchKernel copies them before it returns, the emulator runs the kernel before its call returns, so the
 * memory is free again after each launch), the emulator's launch record and error buffer, the GPU runtime's
 * JavaCPP view of the params array, and the CUDA context the GPU runtime last made current on this thread.
 * One per thread ({@link #get}); the memory is freed when the thread is gone (automatic arena).
 */
final class LaunchScratch {
    private static final ThreadLocal<LaunchScratch> PER_THREAD = ThreadLocal.withInitial(LaunchScratch::new);
    /** Enough for 64 arguments with two 41-field structs; grown when a launch needs more. */
    private static final long INITIAL_BYTES = 4096;

    private MemorySegment params = Arena.ofAuto().allocate(INITIAL_BYTES, 16);
    /** The GPU runtime's wrapper of {@link #params} (a JavaCPP PointerPointer), made for that address. */
    Object gpuParams;
    long gpuParamsAddress;
    /** The CUcontext (its address) the GPU runtime made current on this thread, 0 when none yet. */
    long gpuContext;
    /** The emulator's launch record (8 ints) and error buffer, made on its first launch on this thread. */
    MemorySegment emuLaunch, emuError;

    private LaunchScratch() {}

    static LaunchScratch get() {
        return PER_THREAD.get();
    }

    /** The params segment, at least {@code bytes} long (a new one, at a new address, when it had to grow). */
    MemorySegment params(long bytes) {
        if (bytes > params.byteSize())
            params = Arena.ofAuto().allocate(Math.max(bytes, 2 * params.byteSize()), 16);
        return params;
    }
}
