package org.reformer4j.kernels.backend;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.reformer4j.core.Backend;
import org.reformer4j.core.Backends;
import org.reformer4j.core.BinaryOp;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.LaunchOverheadBench;

/**
 * Host cost per CUDA backend op, without a GPU: cuda:0 is the emulator in dry-launch mode (system properties
 * reformer4j.cuda.emulate=true and reformer4j.emu.dryLaunch=true, set here before the backend opens), so every
 * op checks, plans, allocates its outputs and marshals its launches exactly as on the GPU, and stops before the
 * kernel runs (the values are garbage). Cases alternate round by round in one JVM; per case the median and best
 * CPU time of the calling thread per op (ThreadMXBean), the bytes it allocated and the launches it made.
 * Usage: BackendOverheadBench [rounds=15] [calls per round=5000], on the classpath of LaunchOverheadBench
 * (native) plus kernels/target/classes and kernels/target/test-classes.
 */
public final class BackendOverheadBench {
    private BackendOverheadBench() {}

    record Case(String name, Runnable op) {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        System.setProperty(CudaBackendProvider.EMULATE_PROPERTY, "true");
        System.setProperty("reformer4j.emu.dryLaunch", "true");
        Device cuda = Device.parse("cuda");
        Backend be = Backends.of(cuda);
        CudaRuntime rt = ((CudaBackend) be).runtime();
        Tensor a = Tensor.zeros(new int[] {128}, DType.F32, cuda), b = Tensor.zeros(new int[] {128}, DType.F32, cuda),
                out = Tensor.zeros(new int[] {128}, DType.F32, cuda);
        Tensor x = Tensor.zeros(new int[] {8, 128}, DType.F32, cuda), y = Tensor.zeros(new int[] {8, 128}, DType.F32, cuda),
                w = Tensor.zeros(new int[] {128}, DType.F32, cuda), mean = Tensor.zeros(new int[] {8}, DType.F32, cuda),
                rstd = Tensor.zeros(new int[] {8}, DType.F32, cuda);
        Tensor p = Tensor.zeros(new int[] {8, 128}, DType.F32, cuda).requiresGrad(true);
        List<Case> cases = List.of(
                new Case("backend.binary add, 128 floats, output given", () -> be.binary(BinaryOp.ADD, a, b, out)),
                new Case("Tensor add, 128 floats, in a Scope", () -> {
                    try (Scope s = Scope.open()) {
                        a.add(b);
                    }
                }),
                new Case("backend.softmaxRows 8x128", () -> be.softmaxRows(x, y, false)),
                new Case("backend.layerNormRows 8x128", () -> be.layerNormRows(x, w, w, 1e-5, y, mean, rstd)),
                new Case("autograd (p*p + p).gelu().sum().backward(), 8x128", () -> {
                    try (Scope s = Scope.open()) {
                        p.mul(p).add(p).gelu().sum().backward();
                        p.zeroGrad();
                    }
                }));
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long warmUntil = System.nanoTime() + 4_000_000_000L;
        while (System.nanoTime() < warmUntil)
            for (Case k : cases) for (int i = 0; i < 500; i++) k.op.run();
        double[][] ns = new double[cases.size()][rounds], bytes = new double[cases.size()][rounds];
        double[] launches = new double[cases.size()];
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < cases.size(); k++) {
                Runnable op = cases.get(k).op;
                long l0 = rt.launches(), b0 = mx.getCurrentThreadAllocatedBytes(), t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) op.run();
                long t1 = mx.getCurrentThreadCpuTime(), b1 = mx.getCurrentThreadAllocatedBytes();
                ns[k][r] = (double) (t1 - t0) / calls;
                bytes[k][r] = (double) (b1 - b0) / calls;
                launches[k] = (double) (rt.launches() - l0) / calls;
            }
        System.out.println("CUDA backend host overhead per op, " + rounds + " rounds x " + calls + " calls, thread CPU time; "
                + rt.description() + ", dry launches");
        System.out.println("| case | launches/op | median ns/op | best ns/op | median bytes/op |");
        System.out.println("| --- | --- | --- | --- | --- |");
        for (int k = 0; k < cases.size(); k++)
            System.out.printf("| %s | %.0f | %.0f | %.0f | %.0f |%n", cases.get(k).name, launches[k], LaunchOverheadBench.median(ns[k]),
                    Arrays.stream(ns[k]).min().orElse(0), LaunchOverheadBench.median(bytes[k]));
    }
}
