package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.javacpp.FloatPointer;

/**
 * GPU benchmark run by native/gpu-check.sh: square float32 GEMM through our wrapper
 * ({@link CudaRuntime#sgemmStridedBatched}, batch 1) against cuBLAS called directly on the same buffers,
 * timed with CUDA events over 20 runs after 3 warm-ups. Prints one table row per size; without a GPU it
 * prints why and exits 0.
 */
public final class GpuSgemmBench {
    private GpuSgemmBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("sgemm bench skipped: " + p.reason());
            return;
        }
        CudaRuntime rt = CudaRuntimes.gpu();
        System.out.println("| device | op | size | wrapper ms | direct cuBLAS ms | wrapper/direct | wrapper TFLOP/s |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        cublasContext direct = new cublasContext();
        Native.checkBlas(cublasCreate_v2(direct), "cublasCreate");
        for (int n : new int[] {1024, 2048, 4096}) {
            long bytes = 4L * n * n;
            try (DeviceBuffer a = rt.allocate(bytes); DeviceBuffer b = rt.allocate(bytes); DeviceBuffer c = rt.allocate(bytes);
                    CudaEvent start = rt.newEvent(); CudaEvent end = rt.newEvent()) {
                rt.memset(a, 0, bytes, (byte) 0x3c);
                rt.memset(b, 0, bytes, (byte) 0x3c);
                Runnable ours = () -> rt.sgemmStridedBatched(false, false, n, n, n, 1f, a, 0, n, 0, b, 0, n, 0, 0f, c, 0,
                        n, 0, 1);
                FloatPointer one = new FloatPointer(1f), zero = new FloatPointer(0f);
                FloatPointer pa = new FloatPointer(new Native.Address(a.address())),
                        pb = new FloatPointer(new Native.Address(b.address())),
                        pc = new FloatPointer(new Native.Address(c.address()));
                Runnable theirs = () -> Native.checkBlas(cublasSgemm_v2(direct, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, one, pa, n,
                        pb, n, zero, pc, n), "cublasSgemm");
                float w = time(rt, ours, start, end), d = time(rt, theirs, start, end);
                System.out.printf("| %s | sgemm | %d | %.3f | %.3f | %.3f | %.1f |%n", p.deviceName(), n, w, d, w / d,
                        2.0 * n * n * n / (w * 1e-3) / 1e12);
            }
        }
        cublasDestroy_v2(direct);
    }

    static float time(CudaRuntime rt, Runnable op, CudaEvent start, CudaEvent end) {
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
