package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the emulator can show: a divergent barrier and {@code __trap} become exceptions naming the
 * kernel; a compile error carries g++'s log; the caching allocator reuses blocks; the kernels folder
 * property overrides a bundled file.
 */
class EmulatorTest {
    private final CudaRuntime rt = CudaRuntimes.emulator();

    private CudaFunction kernel(String name) {
        return rt.module(KernelSource.load(EmulatorTest.class, "emu_selftest.cu")).function(name);
    }

    @Test
    void divergentBarrierIsReportedNotHung() {
        try (DeviceBuffer out = rt.allocate(4 * 64)) {
            CudaException e = assertThrows(CudaException.class,
                    () -> kernel("divergent_barrier").launch(Dim3.of(2), Dim3.of(64), 0, KernelArgs.of().ptr(out)));
            assertTrue(e.getMessage().contains("deadlock") && e.getMessage().contains("divergent_barrier"), e.getMessage());
        }
    }

    @Test
    void trapFailsTheLaunch() {
        try (DeviceBuffer flag = rt.upload(new int[] {0})) {
            kernel("trap_if").launch(Dim3.of(3), Dim3.of(32), 0, KernelArgs.of().ptr(flag));
            rt.copyToDevice(java.lang.foreign.MemorySegment.ofArray(new int[] {1}), flag, 0, 4);
            CudaException e = assertThrows(CudaException.class,
                    () -> kernel("trap_if").launch(Dim3.of(3), Dim3.of(32), 0, KernelArgs.of().ptr(flag)));
            assertTrue(e.getMessage().contains("__trap"), e.getMessage());
        }
    }

    @Test
    void compileErrorCarriesTheLog() {
        KernelSource broken = new KernelSource("broken.cu", "extern \"C\" __global__ void k(int* p) { p[0] = ; }\n",
                Map.of(KernelSource.PRELUDE, KernelSource.nativeHeader(KernelSource.PRELUDE)));
        CudaException e = assertThrows(CudaException.class, () -> rt.module(broken));
        assertTrue(e.getMessage().contains("COMPILE_ERROR") && e.log().contains("broken.cu"), e.getMessage());
    }

    @Test
    void cachingAllocatorReusesFreedBlocks() {
        try (CudaRuntime own = CudaRuntimes.newEmulator()) {
            AbstractRuntime r = (AbstractRuntime) own;
            DeviceBuffer a = own.allocate(1000);
            assertEquals(1024, own.bytesInUse());
            a.close();
            assertEquals(1024, own.bytesCached());
            try (DeviceBuffer b = own.allocate(900)) {
                assertEquals(1, r.rawAllocations(), "the freed 1024-byte block is reused for 900 bytes");
                assertThrows(IllegalStateException.class, a::address);
            }
            try (DeviceBuffer big = own.allocate(3000)) {
                assertEquals(2, r.rawAllocations(), "a block less than half used is not handed out");
            }
            own.emptyCache();
            assertEquals(0, own.bytesCached());
            assertEquals(0, own.bytesInUse());
        }
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(3L << 20, CachingAllocator.sizeClass((2L << 20) + 1));
    }

    @Test
    void kernelsDirOverridesBundledFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("emu_selftest.cu"), "extern \"C\" __global__ void only_here(int* p) { p[0] = 42; }\n");
        String old = System.getProperty(KernelSource.KERNELS_DIR_PROPERTY);
        System.setProperty(KernelSource.KERNELS_DIR_PROPERTY, dir.toString());
        try {
            KernelSource src = KernelSource.load(EmulatorTest.class, "emu_selftest.cu");
            assertEquals(java.util.List.of("only_here"), src.kernelNames());
            try (DeviceBuffer p = rt.allocate(4)) {
                rt.module(src).function("only_here").launch(Dim3.of(1), Dim3.of(1), 0, KernelArgs.of().ptr(p));
                assertEquals(42, rt.downloadInts(p, 1)[0]);
            }
        } finally {
            if (old == null) System.clearProperty(KernelSource.KERNELS_DIR_PROPERTY);
            else System.setProperty(KernelSource.KERNELS_DIR_PROPERTY, old);
        }
    }
}
