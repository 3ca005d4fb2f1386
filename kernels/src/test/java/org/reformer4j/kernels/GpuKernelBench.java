package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaEvent;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.DeviceBuffer;

/**
 * GPU benchmark run by native/gpu-check.sh: each kernel version on a large case, timed with CUDA events
 * (20 runs after 3 warm-ups), reported as milliseconds and effective bandwidth (bytes read + written once).
 * Without a GPU it prints why and exits 0.
 */
public final class GpuKernelBench {
    private GpuKernelBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("kernel bench skipped: " + p.reason());
            return;
        }
        CudaRuntime rt = CudaRuntimes.gpu();
        System.out.println("| device | kernel | version | shape | ms | GB/s |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        int rows = 8192, cols = 4096;
        long n = (long) rows * cols;
        try (DeviceBuffer x = rt.allocate(4 * n); DeviceBuffer y = rt.allocate(4 * n); DeviceBuffer z = rt.allocate(4 * n);
                DeviceBuffer m = rt.allocate(4L * rows); DeviceBuffer s = rt.allocate(4L * rows);
                CudaEvent start = rt.newEvent(); CudaEvent end = rt.newEvent()) {
            PhiloxRandom.normal(rt, x, n, 1, 0, 0, 1);
            String shape = rows + "x" + cols;
            for (int v = 1; v <= Softmax.VERSIONS; v++) {
                int version = v;
                row(p, "softmax_forward", v, shape, 8.0 * n,
                        time(rt, () -> Softmax.forward(rt, x, y, rows, cols, false, version), start, end));
            }
            for (int v = 1; v <= Reduce.VERSIONS; v++) {
                int version = v;
                row(p, "sum_lastdim", v, shape, 4.0 * n, time(rt, () -> Reduce.sumLastDim(rt, x, m, rows, cols, version), start, end));
            }
            row(p, "layer_norm_forward", 1, shape, 8.0 * n,
                    time(rt, () -> LayerNorm.forward(rt, x, null, null, y, m, s, rows, cols, 1e-5f, 1), start, end));
            long[] sh = {rows, cols}, st = Elementwise.broadcastStrides(sh, sh);
            row(p, "binary add", 1, shape, 12.0 * n,
                    time(rt, () -> Elementwise.binary(rt, Elementwise.Binary.ADD, x, st, y, st, z, sh, 1), start, end));
            row(p, "dropout_forward", 1, shape, 12.0 * n,
                    time(rt, () -> Dropout.forward(rt, x, y, z, n, 0.1f, 7, 0, 0, 1), start, end));
        }
    }

    private static void row(CudaProbe p, String kernel, int v, String shape, double bytes, float ms) {
        System.out.printf("| %s | %s | %d | %s | %.3f | %.0f |%n", p.deviceName(), kernel, v, shape, ms, bytes / (ms * 1e-3) / 1e9);
    }

    private static float time(CudaRuntime rt, Runnable op, CudaEvent start, CudaEvent end) {
        for (int i = 0; i < 3; i++) op.run();
        rt.synchronize();
        int runs = 20;
        start.record(rt.defaultStream());
        for (int i = 0; i < runs; i++) op.run();
        end.record(rt.defaultStream());
        end.synchronize();
        return end.elapsedMillis(start) / runs;
    }
}
