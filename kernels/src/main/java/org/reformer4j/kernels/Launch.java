package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaFunction;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelSource;

/**
 * What the kernel launchers share: the block size of the grid-stride kernels and their capped grid, the
 * lookup of a kernel by file and name, and the argument checks that name the op, the operand and the sizes.
 */
final class Launch {
    /** Threads per block of the grid-stride and row kernels (a multiple of the warp). */
    static final int BLOCK = 256;
    /** Grid-stride kernels never launch more blocks than this; each thread loops over the rest. */
    static final int MAX_BLOCKS = 4096;

    private Launch() {}

    static Dim3 grid(long n) {
        return Dim3.of((int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS)));
    }

    /** Rows per block of the warp-per-row kernels (version 2 of the row kernels). */
    static final int ROWS_PER_BLOCK = BLOCK / 32;

    /** Grid of a row kernel: one block per row (v1) or one warp per row (v2). */
    static Dim3 rowGrid(int rows, int version) {
        return Dim3.of(version == 1 ? rows : (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
    }

    static CudaFunction function(CudaRuntime rt, KernelSource source, String name) {
        return rt.module(source).function(name);
    }

    static String versioned(String op, String base, int version, int versions) {
        if (version < 1 || version > versions)
            throw new IllegalArgumentException(op + ": kernel version " + version + " does not exist (1.." + versions + ")");
        return base + "_v" + version;
    }

    /** Checks that {@code buffer} holds at least {@code count} elements of 4 bytes. */
    static void check4(String op, String operand, DeviceBuffer buffer, long count) {
        if (buffer == null) throw new IllegalArgumentException(op + ": " + operand + " is null");
        if (buffer.byteSize() < 4 * count)
            throw new IllegalArgumentException(op + ": " + operand + " holds " + buffer.byteSize() / 4
                    + " elements, needs " + count);
    }

    static void checkSizes(String op, long... sizes) {
        for (long s : sizes)
            if (s < 0) throw new IllegalArgumentException(op + ": negative size " + s);
    }
}
