package org.reformer4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Device discovery that never crashes: asks the NVIDIA driver (libcuda.so.1) through java.lang.foreign,
 * which fails cleanly, whether there is a device, and checks that the CUDA 13 libraries the JNI wrappers
 * link against (cudart, cuBLAS, NVRTC) can be opened. Only when all is there may JavaCPP's CUDA classes be
 * touched: a failed load of those poisons the class for the life of the JVM.
 */
final class DriverProbe {
    static final List<String> LIBRARIES = List.of("libcudart.so.13", "libcublas.so.13", "libnvrtc.so.13");
    private static final int MAJOR = 75, MINOR = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR/MINOR

    private DriverProbe() {}

    static CudaProbe probe() {
        try {
            return probeDriver();
        } catch (Throwable t) {
            return CudaProbe.unavailable("device discovery failed: " + t);
        }
    }

    private static CudaProbe probeDriver() throws Throwable {
        SymbolLookup cuda;
        try {
            cuda = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            return CudaProbe.unavailable("no NVIDIA driver (libcuda.so.1 cannot be opened)");
        }
        Linker linker = Linker.nativeLinker();
        var intInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
        var intPtr = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
        MethodHandle cuInit = linker.downcallHandle(cuda.findOrThrow("cuInit"), intInt);
        MethodHandle version = linker.downcallHandle(cuda.findOrThrow("cuDriverGetVersion"), intPtr);
        MethodHandle count = linker.downcallHandle(cuda.findOrThrow("cuDeviceGetCount"), intPtr);
        MethodHandle attribute = linker.downcallHandle(cuda.findOrThrow("cuDeviceGetAttribute"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle name = linker.downcallHandle(cuda.findOrThrow("cuDeviceGetName"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) cuInit.invokeExact(0);
            if (rc != 0) return CudaProbe.unavailable("cuInit failed with CUresult " + rc + (rc == 100
                    ? " (CUDA_ERROR_NO_DEVICE)" : rc == 35 ? " (CUDA_ERROR_INSUFFICIENT_DRIVER)" : ""));
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int driver = (int) version.invokeExact(out) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
            if ((int) count.invokeExact(out) != 0 || out.get(ValueLayout.JAVA_INT, 0) == 0)
                return CudaProbe.unavailable("the driver reports no CUDA device");
            int devices = out.get(ValueLayout.JAVA_INT, 0);
            int major = (int) attribute.invokeExact(out, MAJOR, 0) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
            int minor = (int) attribute.invokeExact(out, MINOR, 0) == 0 ? out.get(ValueLayout.JAVA_INT, 0) : 0;
            MemorySegment buf = arena.allocate(256);
            String device = (int) name.invokeExact(buf, 256, 0) == 0 ? buf.getString(0, StandardCharsets.UTF_8) : "?";
            if (driver < 13000)
                return new CudaProbe(false, "driver supports CUDA " + driver / 1000 + "." + driver % 1000 / 10
                        + ", reformer4j needs 13.0 or newer", driver, devices, device, major * 10 + minor);
            for (String lib : LIBRARIES) {
                try (Arena probe = Arena.ofConfined()) {
                    SymbolLookup.libraryLookup(lib, probe);
                } catch (IllegalArgumentException e) {
                    return new CudaProbe(false, lib + " cannot be opened: put the CUDA 13 libraries on "
                            + "LD_LIBRARY_PATH (e.g. <site-packages>/nvidia/cu13/lib) before the JVM starts",
                            driver, devices, device, major * 10 + minor);
                }
            }
            return new CudaProbe(true, "", driver, devices, device, major * 10 + minor);
        }
    }
}
