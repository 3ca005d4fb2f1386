package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA built-ins, checked on each device (emulator always, GPU where present) through emu_selftest.cu:
 * launch geometry, barriers with static and dynamic shared memory, warp shuffles and votes with CUDA's
 * out-of-range rules, device-wide atomics, and the memory calls. The expected values come from plain Java
 * loops that follow the CUDA programming guide's definitions, not from the emulator.
 */
class RuntimeSelfTest {
    private static CudaFunction kernel(CudaRuntime rt, String name) {
        return rt.module(KernelSource.load(RuntimeSelfTest.class, "emu_selftest.cu")).function(name);
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void geometryOf3dLaunch(String device) {
        CudaRuntime rt = Devices.get(device);
        Dim3 grid = new Dim3(3, 2, 2), block = new Dim3(5, 3, 2);
        int threads = (int) (grid.volume() * block.volume());
        try (DeviceBuffer out = rt.allocate(48L * threads)) {
            kernel(rt, "geometry").launch(grid, block, 0, KernelArgs.of().ptr(out));
            int[] got = rt.downloadInts(out, 12 * threads);
            int row = 0;
            for (int bz = 0; bz < 2; bz++) for (int by = 0; by < 2; by++) for (int bx = 0; bx < 3; bx++)
                for (int tz = 0; tz < 2; tz++) for (int ty = 0; ty < 3; ty++) for (int tx = 0; tx < 5; tx++) {
                    int[] want = {tx, ty, tz, bx, by, bz, 5, 3, 2, 3, 2, 2};
                    int[] have = java.util.Arrays.copyOfRange(got, 12 * row, 12 * row + 12);
                    assertArrayEquals(want, have, device + ": thread row " + row);
                    row++;
                }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void blockSumWithBarriersAndDynamicShared(String device) {
        CudaRuntime rt = Devices.get(device);
        int n = 1000, block = 300, blocks = 4;  // 300: not a multiple of the warp; last block partly empty
        float[] in = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) in[i] = r.nextFloat() * 2 - 1;
        try (DeviceBuffer din = rt.upload(in); DeviceBuffer dout = rt.allocate(4L * blocks)) {
            kernel(rt, "block_sum").launch(Dim3.of(blocks), Dim3.of(block), 4 * block,
                    KernelArgs.of().ptr(din).ptr(dout).i32(n));
            float[] got = rt.downloadFloats(dout, blocks);
            for (int b = 0; b < blocks; b++) {
                double want = 0;
                for (int i = b * block; i < Math.min(n, (b + 1) * block); i++) want += in[i];
                assertEquals(want, got[b], 1e-4, device + ": block " + b);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void warpShufflesAndBallot(String device) {
        CudaRuntime rt = Devices.get(device);
        int n = 96, threads = 128;
        int[] in = new int[n];
        Random r = new Random(2);
        for (int i = 0; i < n; i++) in[i] = r.nextInt(1000);
        try (DeviceBuffer din = rt.upload(in); DeviceBuffer dout = rt.allocate(20L * n)) {
            kernel(rt, "warp_ops").launch(Dim3.of(2), Dim3.of(64), 0, KernelArgs.of().ptr(din).ptr(dout).i32(n));
            int[] got = rt.downloadInts(dout, 5 * n);
            int[] v = new int[threads];
            System.arraycopy(in, 0, v, 0, n);
            for (int w = 0; w < threads / 32; w++) {
                int[] lane = java.util.Arrays.copyOfRange(v, 32 * w, 32 * w + 32);
                int total = 0, odd = 0;
                for (int l = 0; l < 32; l++) {
                    total += lane[l];
                    if ((lane[l] & 1) != 0) odd |= 1 << l;
                }
                int[] down = lane.clone();  // __shfl_down_sync: a source past the warp's end gives the own value
                for (int m = 16; m > 0; m >>= 1) {
                    int[] next = down.clone();
                    for (int l = 0; l < 32; l++) next[l] = down[l] + (l + m < 32 ? down[l + m] : down[l]);
                    down = next;
                }
                int prefix = 0;
                for (int l = 0; l < 32; l++) {
                    int i = 32 * w + l;
                    prefix += lane[l];
                    if (i >= n) continue;
                    String at = device + ": thread " + i;
                    assertEquals(total, got[5 * i], at + " xor-sum");
                    assertEquals(down[l], got[5 * i + 1], at + " down-sum");
                    assertEquals(lane[(l & ~15) + 3], got[5 * i + 2], at + " broadcast from lane 3 of width 16");
                    assertEquals(prefix, got[5 * i + 3], at + " inclusive scan");
                    assertEquals(odd, got[5 * i + 4], at + " ballot");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void atomicsAcrossBlocks(String device) {
        CudaRuntime rt = Devices.get(device);
        int n = 5000;
        float[] in = new float[n];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) in[i] = r.nextFloat();
        try (DeviceBuffer din = rt.upload(in); DeviceBuffer sum = rt.upload(new float[] {0f});
                DeviceBuffer count = rt.upload(new int[] {0}); DeviceBuffer max = rt.upload(new int[] {-1});
                DeviceBuffer fmax = rt.upload(new float[] {Float.NEGATIVE_INFINITY})) {
            kernel(rt, "atomics").launch(Dim3.cover(n, 128), Dim3.of(128), 0,
                    KernelArgs.of().ptr(din).i32(n).ptr(sum).ptr(count).ptr(max).ptr(fmax));
            double want = 0;
            int wantMax = -1;
            float wantF = Float.NEGATIVE_INFINITY;
            for (float x : in) {
                want += x;
                wantMax = Math.max(wantMax, (int) (x * 1000.0f));
                wantF = Math.max(wantF, x);
            }
            assertEquals(want, rt.downloadFloats(sum, 1)[0], 1e-6 * n * 4, device + ": atomicAdd float");
            assertEquals(n, rt.downloadInts(count, 1)[0], device + ": atomicAdd int");
            assertEquals(wantMax, rt.downloadInts(max, 1)[0], device + ": atomicMax int");
            assertEquals(wantF, rt.downloadFloats(fmax, 1)[0], device + ": r4j_atomic_max_float");
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void memoryCallsAndBounds(String device) {
        CudaRuntime rt = Devices.get(device);
        float[] x = {1, 2, 3, 4, 5, 6};
        try (DeviceBuffer a = rt.upload(x); DeviceBuffer b = rt.allocate(24)) {
            rt.memset(b, 0, 24, (byte) 0);
            rt.copyOnDevice(a, 8, b, 4, 12);
            assertArrayEquals(new float[] {0, 3, 4, 5, 0, 0}, rt.downloadFloats(b, 6), device);
            assertThrows(IndexOutOfBoundsException.class, () -> rt.copyOnDevice(a, 16, b, 0, 12));
            assertThrows(IndexOutOfBoundsException.class, () -> rt.downloadFloats(a, 7));
        }
        KernelSource src = KernelSource.load(RuntimeSelfTest.class, "emu_selftest.cu");
        assertSame(rt.module(src), rt.module(src), "modules are cached per source");
        var ex = assertThrows(IllegalArgumentException.class,
                () -> kernel(rt, "geometry").launch(Dim3.of(1), Dim3.of(2048), 0, KernelArgs.of()));
        assertEquals(true, ex.getMessage().contains("2048 threads"), ex.getMessage());
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void sgemmStridedBatchedMatchesFloat64(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(4);
        for (boolean ta : new boolean[] {false, true}) for (boolean tb : new boolean[] {false, true}) {
            int m = 7, n = 5, k = 9, batch = 3;
            int lda = (ta ? k : m) + 1, ldb = (tb ? n : k) + 2, ldc = m + 3;
            long sa = (long) lda * (ta ? m : k), sb = (long) ldb * (tb ? k : n), sc = (long) ldc * n;
            float[] a = new float[(int) sa * batch], b = new float[(int) sb * batch], c = new float[(int) sc * batch];
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < c.length; i++) c[i] = r.nextFloat() - 0.5f;
            float alpha = 1.5f, beta = -0.5f;
            try (DeviceBuffer da = rt.upload(a); DeviceBuffer db = rt.upload(b); DeviceBuffer dc = rt.upload(c)) {
                rt.sgemmStridedBatched(ta, tb, m, n, k, alpha, da, 0, lda, sa, db, 0, ldb, sb, beta, dc, 0, ldc, sc, batch);
                float[] got = rt.downloadFloats(dc, c.length);
                for (int q = 0; q < batch; q++) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        double av = a[(int) (q * sa + (ta ? p + i * lda : i + p * lda))];
                        double bv = b[(int) (q * sb + (tb ? j + p * ldb : p + j * ldb))];
                        acc += av * bv;
                    }
                    int at = (int) (q * sc + i + j * ldc);
                    assertEquals(alpha * acc + beta * c[at], got[at], 1e-5, device + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }
}
