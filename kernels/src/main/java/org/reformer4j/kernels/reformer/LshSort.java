package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of lsh_sort.cu: per row, the stable order of the H*L items by (round, bucket, position) and its
 * inverse (reformer-pytorch R:280-288). Precondition: every bucket of round k lies in [k*nb, (k+1)*nb), as
 * lsh_hash.cu writes them (an item outside is never placed; the CPU twin throws instead).
 * CPU twin: {@link LshSortCpu}.
 */
public final class LshSort {
    static final KernelSource SOURCE = KernelSource.load(LshSort.class, "lsh_sort.cu");
    /** Kernel versions (see the top comment of lsh_sort.cu). */
    public static final int VERSIONS = 2;
    private static final int BLOCK = 256;

    private LshSort() {}

    public static void sort(CudaRuntime rt, DeviceBuffer buckets, DeviceBuffer sticker, DeviceBuffer undo, int rows,
            int len, int hashes, int nBuckets, int version) {
        String op = "lsh_sort";
        LshHash.check(op, rows, len, 1, hashes, nBuckets);
        long items = (long) rows * hashes * len;
        Launches.check4(op, "buckets", buckets, items);
        Launches.check4(op, "sticker", sticker, items);
        Launches.check4(op, "undo", undo, items);
        if (rows == 0) return;
        if (rows > 65535) throw new IllegalArgumentException(op + ": " + rows + " rows exceed the grid's 65535 in y");
        long shared = 4L * (nBuckets + (version == 1 ? 2 * BLOCK : BLOCK));
        if (shared > Launches.MAX_SHARED)
            throw new IllegalArgumentException(op + ": " + nBuckets + " buckets need " + shared + " bytes of shared memory");
        Launches.function(rt, SOURCE, op, version, VERSIONS).launch(new Dim3(hashes, rows, 1), Dim3.of(BLOCK), (int) shared,
                KernelArgs.of().ptr(buckets).ptr(sticker).ptr(undo).i32(rows).i32(len).i32(hashes).i32(nBuckets));
    }
}
