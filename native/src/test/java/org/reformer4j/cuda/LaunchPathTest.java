package org.reformer4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The launch path's per-thread marshalling, on each device: every argument kind reaches the kernel with its
 * value (the kernel writes them back as doubles, compared with the Java values); an argument list larger than
 * a thread's first scratch segment (a 500-field struct and ten ints) makes it grow and still arrives whole;
 * two threads launching at once each see their own arguments.
 */
class LaunchPathTest {
    static final KernelSource SOURCE = new KernelSource("launch_path.cu", """
            struct Wide { long long v[500]; };
            extern "C" __global__ void echo(double* out, int a, long long b, float c, double d, const float* p) {
                if (threadIdx.x == 0 && blockIdx.x == 0) {
                    out[0] = a; out[1] = (double) b; out[2] = c; out[3] = d; out[4] = p[1];
                }
            }
            extern "C" __global__ void wide_sum(long long* out, Wide w, int a0, int a1, int a2, int a3, int a4,
                                                int a5, int a6, int a7, int a8, int a9) {
                if (threadIdx.x == 0 && blockIdx.x == 0) {
                    long long s = 0;
                    for (int i = 0; i < 500; i++) s += w.v[i] * (i + 1);
                    out[0] = s;
                    out[1] = a0 + 2LL * a1 + 3LL * a2 + 4LL * a3 + 5LL * a4 + 6LL * a5 + 7LL * a6 + 8LL * a7
                            + 9LL * a8 + 10LL * a9;
                }
            }
            """, Map.of(KernelSource.PRELUDE, KernelSource.nativeHeader(KernelSource.PRELUDE)));

    private static double[] echo(CudaRuntime rt, int a, long b, float c, double d, float p1) {
        try (DeviceBuffer out = rt.allocate(8 * 5); DeviceBuffer p = rt.upload(new float[] {0, p1})) {
            rt.module(SOURCE).function("echo").launch(Dim3.of(1), Dim3.of(32), 0,
                    KernelArgs.of().ptr(out).i32(a).i64(b).f32(c).f64(d).ptr(p));
            double[] got = new double[5];
            rt.copyToHost(out, 0, java.lang.foreign.MemorySegment.ofArray(got), 8 * 5);
            return got;
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void everyArgumentKindArrives(String device) {
        CudaRuntime rt = Devices.get(device);
        assertArrayEquals(new double[] {-7, (double) ((1L << 40) + 3), 1.5, -2.25, 0.75},
                echo(rt, -7, (1L << 40) + 3, 1.5f, -2.25, 0.75f));
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void anArgumentListLargerThanTheScratchGrowsIt(String device) throws Exception {
        CudaRuntime rt = Devices.get(device);
        long[] fields = new long[500];
        long want = 0;
        for (int i = 0; i < fields.length; i++) {
            fields[i] = (i * 7919L) % 1000 - 500;
            want += fields[i] * (i + 1);
        }
        long wantInts = 0;
        KernelArgs args;
        try (DeviceBuffer out = rt.allocate(16)) {
            args = KernelArgs.of().ptr(out).struct(fields);
            for (int i = 0; i < 10; i++) {
                args.i32(100 + i);
                wantInts += (i + 1) * (100L + i);
            }
            // on a fresh thread, so that its scratch starts at the initial size
            ExecutorService pool = Executors.newSingleThreadExecutor();
            KernelArgs launchArgs = args;
            try {
                pool.submit(() -> rt.module(SOURCE).function("wide_sum").launch(Dim3.of(1), Dim3.of(32), 0, launchArgs))
                        .get();
            } finally {
                pool.shutdown();
            }
            long[] got = new long[2];
            rt.copyToHost(out, 0, java.lang.foreign.MemorySegment.ofArray(got), 16);
            assertArrayEquals(new long[] {want, wantInts}, got);
        }
        // and the same thread's scratch, grown, still serves small launches
        assertEquals(0.75, echo(rt, 1, 2, 3, 4, 0.75f)[4]);
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.cuda.Devices#names")
    void twoThreadsLaunchingAtOnceKeepTheirArguments(String device) throws Exception {
        CudaRuntime rt = Devices.get(device);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?>[] done = new Future<?>[2];
            for (int t = 0; t < 2; t++) {
                int thread = t;
                done[t] = pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        int a = thread * 1000 + i;
                        double[] got = echo(rt, a, -a, a + 0.5f, a * 0.25, thread);
                        assertArrayEquals(new double[] {a, -a, a + 0.5, a * 0.25, thread}, got,
                                "thread " + thread + ", launch " + i);
                    }
                    return null;
                });
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
    }

    /** With reformer4j.cuda.launchHistogram set when a runtime opens, it counts launches per kernel name; else none. */
    @org.junit.jupiter.api.Test
    void theLaunchHistogramCountsPerKernelWhenAskedFor() {
        String key = AbstractRuntime.HISTOGRAM_PROPERTY;
        System.setProperty(key, "true");
        try (CudaRuntime on = CudaRuntimes.newEmulator()) {
            System.clearProperty(key);
            echo(on, 1, 2, 3, 4, 5);
            echo(on, 1, 2, 3, 4, 5);
            assertEquals(Map.of("echo", 2L), on.launchHistogram());
            assertEquals(2, on.launches());
        } finally {
            System.clearProperty(key);
        }
        try (CudaRuntime off = CudaRuntimes.newEmulator()) {
            echo(off, 1, 2, 3, 4, 5);
            assertEquals(Map.of(), off.launchHistogram());
        }
    }
}
