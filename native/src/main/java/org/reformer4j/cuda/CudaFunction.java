package org.reformer4j.cuda;

/**
 * A kernel entry point of a loaded module. {@link #launch} validates the geometry, marshals the arguments
 * ({@link KernelArgs}) and hands them to the runtime: the same path for the GPU and the emulator. The label
 * that names the kernel in errors is built once here, not per launch.
 */
public final class CudaFunction {
    private final AbstractRuntime runtime;
    private final CudaModule module;
    private final String name;
    private final Object handle;
    private final String label;
    /** The dynamic shared memory the GPU runtime last allowed this function (0: the 48 KiB default). */
    volatile int sharedAllowed;

    CudaFunction(AbstractRuntime runtime, CudaModule module, String name, Object handle) {
        this.runtime = runtime;
        this.module = module;
        this.name = name;
        this.handle = handle;
        this.label = name + " (" + module.source().name() + ")";
    }

    public String name() {
        return name;
    }

    /** "name (file.cu)", for error messages. */
    String label() {
        return label;
    }

    CudaModule module() {
        return module;
    }

    /** The raw function handle (a CUfunc_st on the GPU, a downcall handle on the emulator). */
    Object handle() {
        return handle;
    }

    /** Launches on the runtime's default stream. */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args) {
        launch(grid, block, sharedBytes, runtime.defaultStream(), args);
    }

    /** Launches {@code grid} blocks of {@code block} threads with {@code sharedBytes} of dynamic shared memory. */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        if (block.volume() > 1024 || block.z() > 64)
            throw new IllegalArgumentException(name + ": block " + block + " has " + block.volume()
                    + " threads (limit 1024, z <= 64)");
        if (grid.y() > 65535 || grid.z() > 65535)
            throw new IllegalArgumentException(name + ": grid " + grid + " exceeds 65535 in y or z");
        if (sharedBytes < 0 || sharedBytes > 227 * 1024)
            throw new IllegalArgumentException(name + ": dynamic shared memory " + sharedBytes
                    + " bytes outside [0, 227 KiB]");
        runtime.launch(this, grid, block, sharedBytes, stream, args);
    }

    @Override
    public String toString() {
        return name + " in " + module.source().name();
    }
}
