package org.reformer4j.kernels.reformer;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;
import org.reformer4j.kernels.PhiloxRandom;

/**
 * Launcher of lsh_hash.cu: the LSH buckets [N, H*L] (round offsets included) of qk [N, L, dh] under rotations
 * [1 or N, dh, H, nb/2] (reformer-pytorch {@code hash_vectors}, R:219-263). The rotations are given (e.g.
 * reformer-pytorch's draw) or drawn on the device from Philox ({@link #drawRotations}). CPU twin: {@link LshHashCpu}.
 */
public final class LshHash {
    static final KernelSource SOURCE = KernelSource.load(LshHash.class, "lsh_hash.cu");
    /** Kernel versions (see the top comment of lsh_hash.cu). */
    public static final int VERSIONS = 3;

    private LshHash() {}

    /**
     * @param rotationsPerRow whether {@code rotations} holds one set per row ([N, dh, H, nb/2]) or one for all
     */
    public static void hash(CudaRuntime rt, DeviceBuffer qk, DeviceBuffer rotations, boolean rotationsPerRow,
            DeviceBuffer buckets, int rows, int len, int dimHead, int hashes, int nBuckets, int version) {
        String op = "lsh_hash";
        check(op, rows, len, dimHead, hashes, nBuckets);
        Launches.check4(op, "qk", qk, (long) rows * len * dimHead);
        Launches.check4(op, "rotations", rotations, (rotationsPerRow ? (long) rows : 1L) * dimHead * hashes * (nBuckets / 2));
        Launches.check4(op, "buckets", buckets, (long) rows * hashes * len);
        if (rows == 0) return;
        KernelArgs args = KernelArgs.of().ptr(qk).ptr(rotations).ptr(buckets).i32(rows).i32(len).i32(dimHead).i32(hashes)
                .i32(nBuckets).i32(rotationsPerRow ? 1 : 0);
        var fn = Launches.function(rt, SOURCE, op, version, VERSIONS);
        if (version == 1) {
            fn.launch(Dim3.cover((long) rows * hashes * len, 256), Dim3.of(256), 0, args);
        } else if (version == 3) {
            long blocks = (long) rows * hashes * ((len + 127) / 128);
            if (blocks > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + " v3: " + rows + " rows x " + hashes + " rounds x " + len
                        + " positions need " + blocks + " blocks of 128 positions, over the grid's 2^31-1 in x");
            fn.launch(Dim3.of((int) blocks), Dim3.of(256), 0, args);
        } else {
            int shared = 4 * (64 * dimHead + dimHead * 32);
            if (rows > 65535) throw new IllegalArgumentException(op + " v2: " + rows + " rows exceed the grid's 65535 in z (use v1)");
            if (shared > Launches.MAX_SHARED)
                throw new IllegalArgumentException(op + " v2: head dim " + dimHead + " needs " + shared + " bytes of shared memory");
            fn.launch(new Dim3((len + 63) / 64, hashes, rows), Dim3.of(256), shared, args);
        }
    }

    /**
     * Fills {@code rotations} with standard normals from Philox (seed, stream, starting block), the numbers
     * {@code org.reformer4j.core.random.Generator} gives on the CPU: a device-side draw for a model that
     * does not need reformer-pytorch's torch.randn stream.
     */
    public static void drawRotations(CudaRuntime rt, DeviceBuffer rotations, int sets, int dimHead, int hashes,
            int nBuckets, long seed, long stream, long start) {
        long n = (long) sets * dimHead * hashes * (nBuckets / 2);
        Launches.check4("lsh_hash.drawRotations", "rotations", rotations, n);
        PhiloxRandom.normal(rt, rotations, n, seed, stream, start, 1);
    }

    static void check(String op, int rows, int len, int dimHead, int hashes, int nBuckets) {
        if (rows < 0 || len < 1 || dimHead < 1 || hashes < 1)
            throw new IllegalArgumentException(op + ": rows " + rows + ", len " + len + ", dimHead " + dimHead + ", hashes "
                    + hashes + " must be positive (rows >= 0)");
        if (nBuckets < 2 || nBuckets % 2 != 0)
            throw new IllegalArgumentException(op + ": the number of buckets must be even and >= 2, got " + nBuckets);
        if ((long) hashes * nBuckets > Integer.MAX_VALUE / 2)
            throw new IllegalArgumentException(op + ": " + hashes + " rounds x " + nBuckets + " buckets overflow int");
    }
}
