package org.reformer4j.cuda;

import java.util.Optional;
import java.util.logging.Logger;

/**
 * The one place that chooses between the GPU and the emulator. {@link #gpu()} gives the GPU runtime or
 * throws {@link CudaUnavailableException} saying why; {@link #emulator()} the CPU emulator (a test device);
 * {@link #best()} the GPU when there is one, after logging once what discovery found. The system property
 * {@value #PROPERTY} = {@code gpu | emulator | auto} picks for {@link #fromProperty()} (tests use it).
 */
public final class CudaRuntimes {
    public static final String PROPERTY = "reformer4j.cuda";
    private static final Logger LOG = Logger.getLogger(CudaRuntimes.class.getName());
    private static volatile CudaProbe probe;
    private static CudaRuntime gpu, emulator;
    private static boolean logged;

    private CudaRuntimes() {}

    /** What device discovery finds (cached; never throws, never loads JavaCPP's CUDA classes when absent). */
    public static CudaProbe probe() {
        CudaProbe p = probe;
        if (p == null) probe = p = DriverProbe.probe();
        return p;
    }

    /** The GPU runtime (device 0), created on first use. */
    public static synchronized CudaRuntime gpu() {
        if (gpu != null) return gpu;
        CudaProbe p = probe();
        if (!p.available()) throw new CudaUnavailableException(p.reason());
        try {
            gpu = GpuRuntime.open(p);
        } catch (LinkageError e) {
            throw new CudaUnavailableException("loading the JavaCPP CUDA wrappers failed: " + e, e);
        }
        return gpu;
    }

    /**
     * Compiles {@code source} for the GPU's compute capability into the disk cache (NVRTC; no context, no
     * module load), so that tools can compile many files on several threads before loading them. Throws
     * {@link CudaUnavailableException} without a GPU.
     */
    public static void precompile(KernelSource source) {
        CudaProbe p = probe();
        if (!p.available()) throw new CudaUnavailableException(p.reason());
        try {
            NvrtcCompiler.compile(source, p.computeCapability());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("compiling " + source.name(), e);
        }
    }

    /** The shared emulator runtime, created on first use. */
    public static synchronized CudaRuntime emulator() {
        if (emulator == null) emulator = new EmulatedRuntime();
        return emulator;
    }

    /** A fresh emulator runtime that the caller closes (tests of the allocator and of closing). */
    public static CudaRuntime newEmulator() {
        return new EmulatedRuntime();
    }

    /** The GPU if one can start, else empty; logs once which, and why. */
    public static Optional<CudaRuntime> best() {
        CudaProbe p = probe();
        synchronized (CudaRuntimes.class) {
            if (!logged) {
                logged = true;
                LOG.info(p.available() ? "CUDA device: " + p : "CUDA not used (" + p.reason() + "); using the CPU");
            }
        }
        if (!p.available()) return Optional.empty();
        try {
            return Optional.of(gpu());
        } catch (CudaUnavailableException e) {
            LOG.warning(e.getMessage() + "; using the CPU");
            return Optional.empty();
        }
    }

    /**
     * The runtime named by {@value #PROPERTY}: {@code emulator}, {@code gpu} (an error when none), or
     * {@code auto} (default: the GPU when there is one, else the emulator).
     */
    public static CudaRuntime fromProperty() {
        String v = System.getProperty(PROPERTY, "auto");
        return switch (v) {
            case "emulator" -> emulator();
            case "gpu" -> gpu();
            case "auto" -> best().orElseGet(CudaRuntimes::emulator);
            default -> throw new IllegalArgumentException(PROPERTY + "=" + v + ": expected gpu, emulator or auto");
        };
    }
}
