package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backend;
import org.reformer4j.core.Backends;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.GpuLaunchBench;
import org.reformer4j.cuda.LaunchOverheadBench;

/**
 * GPU benchmark for native/gpu-check.sh, the backend half of org.reformer4j.cuda.GpuLaunchBench: the host cost
 * of a small CUDA backend op on cuda:0, an elementwise add of two 128-float tensors, 20000 ops per round, 5
 * rounds, the cases alternating: (c) Backend.binary into a given output, (d) Tensor.add in a Scope (the output
 * allocated from the caching allocator and handed back). Prints microseconds per op as wall time (ops then one
 * synchronize) and as the calling thread's CPU time, medians, with launches per op. Without a GPU it prints why
 * and exits 0.
 */
public final class GpuBackendLaunchBench {
    private GpuBackendLaunchBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("backend launch bench skipped: " + p.reason());
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000, rounds = 5;
        Device cuda = Device.parse("cuda");
        Backend be = Backends.of(cuda);
        CudaRuntime rt = ((CudaBackend) be).runtime();
        Tensor a = Tensor.zeros(new int[] {128}, DType.F32, cuda), b = Tensor.zeros(new int[] {128}, DType.F32, cuda),
                out = Tensor.zeros(new int[] {128}, DType.F32, cuda);
        String[] names = {"(c) Backend.binary add 128 floats, output given", "(d) Tensor.add 128 floats in a Scope"};
        Runnable[] ops = {() -> be.binary(BinaryOp.ADD, a, b, out), () -> {
            try (Scope s = Scope.open()) {
                a.add(b);
            }
        }};
        for (Runnable op : ops) GpuLaunchBench.run(rt, op, 2000);
        double[][] wall = new double[2][rounds], cpu = new double[2][rounds];
        double[] launches = new double[2];
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < 2; k++) {
                long l0 = rt.launches();
                double[] t = GpuLaunchBench.run(rt, ops[k], n);
                launches[k] = (double) (rt.launches() - l0) / n;
                wall[k][r] = t[0];
                cpu[k][r] = t[1];
            }
        System.out.println("| device | op | ops | launches/op | wall us/op | CPU us/op |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (int k = 0; k < 2; k++)
            System.out.printf("| %s | %s | %d | %.0f | %.2f | %.2f |%n", p.deviceName(), names[k], n, launches[k],
                    LaunchOverheadBench.median(wall[k]), LaunchOverheadBench.median(cpu[k]));
    }
}
