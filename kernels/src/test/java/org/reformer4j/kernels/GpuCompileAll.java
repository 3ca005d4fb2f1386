package org.reformer4j.kernels;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.KernelSource;
import org.reformer4j.kernels.backend.BatchedGemm;
import org.reformer4j.kernels.reformer.LshHash;

/**
 * Compiles and loads every .cu file of the kernels module on the GPU (NVRTC to CUBIN, then the driver), timing
 * each: the first thing native/gpu-check.sh runs on a fresh machine, so that the benchmarks after it find
 * every module in the disk cache ({@code reformer4j.kernels.cache}) instead of spending their time limits
 * compiling. Works from the jars of the bundle or from class folders. Without a GPU it prints why and exits 0.
 */
public final class GpuCompileAll {
    private GpuCompileAll() {}

    public static void main(String[] args) throws Exception {
        CudaProbe p = CudaRuntimes.probe();
        if (!p.available()) {
            System.out.println("compile-all skipped: " + p.reason());
            return;
        }
        CudaRuntime rt = CudaRuntimes.gpu();
        System.out.println("| device | file | compile + load s |");
        System.out.println("| --- | --- | --- |");
        double total = 0;
        for (Class<?> anchor : List.of(Softmax.class, BatchedGemm.class, LshHash.class)) {
            for (String file : cuFiles(anchor)) {
                long t0 = System.nanoTime();
                rt.module(KernelSource.load(anchor, file));
                double s = (System.nanoTime() - t0) / 1e9;
                total += s;
                System.out.printf("| %s | %s/%s | %.2f |%n", p.deviceName(), anchor.getPackageName().replace('.', '/'), file, s);
            }
        }
        System.out.printf("| %s | all | %.2f |%n", p.deviceName(), total);
    }

    /** The .cu resources in {@code anchor}'s package, from a jar or a class folder, sorted. */
    static List<String> cuFiles(Class<?> anchor) throws Exception {
        URI here = anchor.getResource(anchor.getSimpleName() + ".class").toURI();
        if (!"jar".equals(here.getScheme())) {
            try (Stream<Path> s = Files.list(Path.of(here).getParent())) {
                return s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().toList();
            }
        }
        try (FileSystem fs = FileSystems.newFileSystem(here, Map.of());
                Stream<Path> s = Files.list(fs.getPath(anchor.getPackageName().replace('.', '/')))) {
            return s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().toList();
        }
    }
}
