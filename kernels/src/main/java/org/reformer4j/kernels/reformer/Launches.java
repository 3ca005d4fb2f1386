package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaFunction;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.KernelSource;

/**
 * What the Reformer kernel launchers share: kernel lookup by file, name and version, the argument checks
 * that name the op, the operand and the sizes, and the limit on dynamic shared memory.
 */
final class Launches {
    /** Dynamic shared memory a block may ask for (sm_90 opt-in limit). */
    static final int MAX_SHARED = 227 * 1024;

    private Launches() {}

    static CudaFunction function(CudaRuntime rt, KernelSource source, String base, int version, int versions) {
        if (version < 1 || version > versions)
            throw new IllegalArgumentException(base + ": kernel version " + version + " does not exist (1.." + versions + ")");
        return rt.module(source).function(base + "_v" + version);
    }

    /** Checks that {@code buffer} holds at least {@code count} elements of {@code bytes} bytes each. */
    static void check(String op, String operand, DeviceBuffer buffer, long count, int bytes) {
        if (buffer == null) throw new IllegalArgumentException(op + ": " + operand + " is null");
        if (buffer.byteSize() < bytes * count)
            throw new IllegalArgumentException(op + ": " + operand + " holds " + buffer.byteSize() / bytes
                    + " elements, needs " + count);
    }

    static void check4(String op, String operand, DeviceBuffer buffer, long count) {
        check(op, operand, buffer, count, 4);
    }

    static int shared(String op, long floats, LshConfig cfg) {
        long bytes = 4 * floats;
        if (bytes > MAX_SHARED)
            throw new IllegalArgumentException(op + ": " + bytes + " bytes of shared memory for bucket size "
                    + cfg.bucketSize() + " and head dim " + cfg.dimHead() + " exceed " + MAX_SHARED + " (smaller buckets)");
        return (int) bytes;
    }
}
