package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * GPU benchmark for native/gpu-check.sh: the host cost of launching an empty kernel of four arguments
 * ({@link LaunchOverheadBench#SOURCE}, one block of 32 threads), 20000 launches per round, 5 rounds, the two
 * paths alternating: (a) cuLaunchKernel straight through JavaCPP with a params array built once, (b) our
 * {@link CudaFunction#launch} with a fresh {@link KernelArgs} per launch. Prints microseconds per launch as wall
 * time (launches then one synchronize) and as the launching thread's CPU time, medians. Without a GPU it prints
 * why and exits 0. The backend-op case is org.reformer4j.kernels.backend.GpuBackendLaunchBench.
 */
public final class GpuLaunchBench {
    private GpuLaunchBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("launch bench skipped: " + p.reason());
            return;
        }
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 20000, rounds = 5;
        CudaRuntime rt = CudaRuntimes.gpu();
        CudaFunction f = rt.module(LaunchOverheadBench.SOURCE).function("empty4");
        Dim3 grid = Dim3.of(1), block = Dim3.of(32);
        try (DeviceBuffer a = rt.allocate(512); DeviceBuffer b = rt.allocate(512)) {
            MemorySegment values = Arena.global().allocate(32, 16), params = Arena.global().allocate(32, 8);
            values.set(ValueLayout.JAVA_LONG, 0, a.address());
            values.set(ValueLayout.JAVA_LONG, 8, b.address());
            values.set(ValueLayout.JAVA_INT, 16, 128);
            values.set(ValueLayout.JAVA_LONG, 24, 128L);
            for (int i = 0; i < 4; i++) params.setAtIndex(ValueLayout.JAVA_LONG, i, values.address() + 8L * i);
            Native.PointerArray kernelParams = new Native.PointerArray(params.address());
            CUfunc_st fn = (CUfunc_st) f.handle();
            Runnable raw = () -> {
                int rc = cuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, 0, (CUstream_st) null, kernelParams,
                        (org.bytedeco.javacpp.PointerPointer<?>) null);
                if (rc != 0) Native.check(rc, "cuLaunchKernel (direct)");
            };
            Runnable ours = () -> f.launch(grid, block, 0, KernelArgs.of().ptr(a).ptr(b).i32(128).i64(128));
            String[] names = {"(a) cuLaunchKernel via JavaCPP, params built once", "(b) CudaFunction.launch + KernelArgs"};
            Runnable[] ops = {raw, ours};
            for (Runnable op : ops) run(rt, op, 2000);
            double[][] wall = new double[2][rounds], cpu = new double[2][rounds];
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < 2; k++) {
                    double[] t = run(rt, ops[k], launches);
                    wall[k][r] = t[0];
                    cpu[k][r] = t[1];
                }
            System.out.println("| device | path | launches | wall us/launch | CPU us/launch |");
            System.out.println("| --- | --- | --- | --- | --- |");
            for (int k = 0; k < 2; k++)
                System.out.printf("| %s | %s | %d | %.2f | %.2f |%n", p.deviceName(), names[k], launches,
                        LaunchOverheadBench.median(wall[k]), LaunchOverheadBench.median(cpu[k]));
        }
    }

    /** {wall, thread CPU} microseconds per launch over {@code n} launches and one synchronize. */
    public static double[] run(CudaRuntime rt, Runnable op, int n) {
        var mx = ManagementFactory.getThreadMXBean();
        rt.synchronize();
        long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        for (int i = 0; i < n; i++) op.run();
        rt.synchronize();
        long t1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
        return new double[] {(t1 - t0) / 1e3 / n, (c1 - c0) / 1e3 / n};
    }
}
