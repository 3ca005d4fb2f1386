package org.reformer4j.cuda;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One compiled kernel file (a CUBIN on the GPU, a shared library on the emulator), loaded into a runtime.
 * Runtimes cache modules by source, so {@link CudaRuntime#module(KernelSource)} compiles each file once.
 */
public final class CudaModule {
    private final AbstractRuntime runtime;
    private final KernelSource source;
    private final Object handle;
    private final ConcurrentHashMap<String, CudaFunction> functions = new ConcurrentHashMap<>();

    CudaModule(AbstractRuntime runtime, KernelSource source, Object handle) {
        this.runtime = runtime;
        this.source = source;
        this.handle = handle;
    }

    /** The kernel {@code extern "C" __global__ void name(...)} of this file. */
    public CudaFunction function(String name) {
        CudaFunction f = functions.get(name);  // the hit needs no capturing lambda
        return f != null ? f : functions.computeIfAbsent(name, n -> new CudaFunction(runtime, this, n,
                runtime.lookup(handle, source, n)));
    }

    public KernelSource source() {
        return source;
    }

    Object handle() {
        return handle;
    }
}
