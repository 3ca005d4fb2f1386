package org.reformer4j.cuda;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Host cost of the launch path, without a GPU: the emulator runtime in dry-launch mode
 * ({@link EmulatedRuntime#DRY_LAUNCH_PROPERTY}) does everything a launch does (checks, argument list,
 * marshalling, the raw-launch bookkeeping) but call the kernel, so the Java side is timed alone. Each case runs
 * N calls per round, the cases alternating round by round in this one JVM; per case it prints the median and
 * best of the calling thread's CPU time per call (ThreadMXBean, not wall time: the VM's speed drifts) and the
 * bytes it allocated per call. Usage: LaunchOverheadBench [rounds=15] [calls per round=20000], after
 * {@code ./mvnw -pl native -am test-compile}: {@code java --add-modules=jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED -cp core/target/classes:native/target/classes:native/target/test-classes
 * org.reformer4j.cuda.LaunchOverheadBench}.
 */
public final class LaunchOverheadBench {
    /** Empty kernels with the argument lists the launchers use most: 4 plain arguments; 3 pointers + a struct. */
    static final KernelSource SOURCE = new KernelSource("launch_bench.cu", """
            struct Geometry41 { long long v[41]; };
            extern "C" __global__ void empty4(const float* a, float* b, int n, long long m) {}
            extern "C" __global__ void empty_struct(int op, const float* a, const float* b, float* out, long long n,
                                                    Geometry41 g) {}
            """, Map.of(KernelSource.PRELUDE, KernelSource.nativeHeader(KernelSource.PRELUDE)));

    static volatile Object sink;

    private LaunchOverheadBench() {}

    record Case(String name, Runnable op) {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        System.setProperty(EmulatedRuntime.DRY_LAUNCH_PROPERTY, "true");
        CudaRuntime dry = CudaRuntimes.newEmulator();
        System.clearProperty(EmulatedRuntime.DRY_LAUNCH_PROPERTY);
        CudaRuntime wet = CudaRuntimes.newEmulator();
        DeviceBuffer a = dry.allocate(512), b = dry.allocate(512), c = dry.allocate(512);
        DeviceBuffer wa = wet.allocate(512), wb = wet.allocate(512);
        CudaFunction f4 = dry.module(SOURCE).function("empty4"), fs = dry.module(SOURCE).function("empty_struct");
        CudaFunction w4 = wet.module(SOURCE).function("empty4");
        long[] geometry = new long[41];
        geometry[0] = 1;
        geometry[1] = 128;
        Dim3 grid = Dim3.of(1), block = Dim3.of(32);
        List<Case> cases = List.of(
                new Case("KernelArgs of 4 (build only)", () -> sink = KernelArgs.of().ptr(a).ptr(b).i32(128).i64(128)),
                new Case("launch, 4 args (dry)", () -> f4.launch(grid, block, 0, KernelArgs.of().ptr(a).ptr(b).i32(128).i64(128))),
                new Case("launch, 3 ptrs + 41-long struct (dry)", () -> fs.launch(grid, block, 0,
                        KernelArgs.of().i32(0).ptr(a).ptr(b).ptr(c).i64(128).struct(geometry))),
                new Case("launch, 4 args (emulated empty kernel)", () -> w4.launch(grid, block, 0,
                        KernelArgs.of().ptr(wa).ptr(wb).i32(128).i64(128))),
                new Case("module + function lookup", () -> sink = dry.module(SOURCE).function("empty4")),
                new Case("allocate + close 512 B", () -> dry.allocate(512).close()));
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warmUntil)
            for (Case k : cases) for (int i = 0; i < 2000; i++) k.op.run();
        double[][] ns = new double[cases.size()][rounds], bytes = new double[cases.size()][rounds];
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < cases.size(); k++) {
                Runnable op = cases.get(k).op;
                long b0 = mx.getCurrentThreadAllocatedBytes(), t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) op.run();
                long t1 = mx.getCurrentThreadCpuTime(), b1 = mx.getCurrentThreadAllocatedBytes();
                ns[k][r] = (double) (t1 - t0) / calls;
                bytes[k][r] = (double) (b1 - b0) / calls;
            }
        System.out.println("host launch overhead, " + rounds + " rounds x " + calls + " calls, thread CPU time; "
                + dry.description());
        System.out.println("| case | median ns/call | best ns/call | median bytes/call |");
        System.out.println("| --- | --- | --- | --- |");
        for (int k = 0; k < cases.size(); k++)
            System.out.printf("| %s | %.0f | %.0f | %.0f |%n", cases.get(k).name, median(ns[k]),
                    Arrays.stream(ns[k]).min().orElse(0), median(bytes[k]));
        a.close();
        b.close();
        c.close();
        wa.close();
        wb.close();
        dry.close();
        wet.close();
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
