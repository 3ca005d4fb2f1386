package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Buffers held only by garbage (freed by a Cleaner once the collector finds their owner unreachable, as the CUDA
 * backend's tensors are) come back before the device runs out: on an emulated device of 64 MiB, 40 allocations of
 * 8 MiB whose owners are dropped at once succeed (the pool never exceeds the device), first through the collection
 * before an out-of-memory error (threshold off), then through the threshold's collection before the pool grows; a live
 * set larger than the device is still an out-of-memory error that names it.
 */
class ReclaimTest {
    private static final Cleaner CLEANER = Cleaner.create();

    /** A fresh emulator with the given properties set while it is made. */
    private static CudaRuntime emulator(String memoryMiB, String reclaimMiB) {
        String m = System.getProperty(EmulatedRuntime.MEMORY_PROPERTY), r = System.getProperty(AbstractRuntime.RECLAIM_PROPERTY);
        System.setProperty(EmulatedRuntime.MEMORY_PROPERTY, memoryMiB);
        System.setProperty(AbstractRuntime.RECLAIM_PROPERTY, reclaimMiB);
        try {
            return CudaRuntimes.newEmulator();
        } finally {
            restore(EmulatedRuntime.MEMORY_PROPERTY, m);
            restore(AbstractRuntime.RECLAIM_PROPERTY, r);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    /** An owner object whose buffer a Cleaner closes when the owner becomes unreachable (the backend's storages). */
    private static Object owned(CudaRuntime rt, long bytes) {
        Object owner = new Object();
        DeviceBuffer b = rt.allocate(bytes);
        CLEANER.register(owner, b::close);
        return owner;
    }

    @Test
    void garbageBuffersComeBackBeforeAnOutOfMemoryError() {
        for (String threshold : new String[] {"0", "16"}) {
            try (CudaRuntime rt = emulator("64", threshold)) {
                for (int i = 0; i < 40; i++) {
                    Object kept = owned(rt, 8L << 20);
                    assertTrue(kept != null);
                }
                assertTrue(rt.reclaims() > 0, "threshold " + threshold + ": collections asked for");
                assertTrue(rt.bytesInUse() + rt.bytesCached() <= 64L << 20, "threshold " + threshold + ": the pool stays within the device");
            }
        }
    }

    @Test
    void aLiveSetLargerThanTheDeviceIsStillAnError() {
        try (CudaRuntime rt = emulator("64", "0")) {
            List<DeviceBuffer> live = new ArrayList<>();
            for (int i = 0; i < 7; i++) live.add(rt.allocate(8L << 20));
            CudaException e = assertThrows(CudaException.class, () -> {
                for (int i = 0; i < 2; i++) live.add(rt.allocate(8L << 20));
            });
            assertTrue(e.errorName().contains("OUT_OF_MEMORY"), e.getMessage());
            assertEquals(1, rt.reclaims(), "one collection before giving up");
            for (DeviceBuffer b : live) b.close();
        }
    }
}
