package org.reformer4j.kernels;

import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.KernelSource;
import org.reformer4j.kernels.backend.BatchedGemm;
import org.reformer4j.kernels.reformer.LshHash;

/**
 * Compiles every .cu file of the kernels module for the GPU (NVRTC to CUBIN, one thread per file, as many at
 * once as the machine has cores), then loads each, timing both: the first thing native/gpu-check.sh runs on
 * a fresh machine, so that the benchmarks after it find every module in the disk cache
 * ({@code reformer4j.kernels.cache}) instead of spending their time limits compiling. Works from the jars of the
 * bundle or from class folders. Without a GPU it prints why and exits 0.
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
        List<KernelSource> sources = new ArrayList<>();
        for (Class<?> anchor : List.of(Softmax.class, BatchedGemm.class, LshHash.class)) {
            for (String file : cuFiles(anchor)) sources.add(KernelSource.load(anchor, file));
        }
        // NVRTC on one thread per file (the machine's cores; a file's compile is single-threaded), then every
        // module loaded from the cache on this thread. A file whose parallel compile failed is compiled again
        // by its load, which reports the error.
        int threads = Math.max(1, Math.min(sources.size(), Runtime.getRuntime().availableProcessors()));
        Map<String, Double> compileSeconds = new ConcurrentHashMap<>();
        long wall0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (KernelSource source : sources) {
                pool.submit(() -> {
                    long t0 = System.nanoTime();
                    try {
                        CudaRuntimes.precompile(source);
                        compileSeconds.put(source.name(), (System.nanoTime() - t0) / 1e9);
                    } catch (RuntimeException e) {
                        System.out.println("parallel compile of " + source.name() + " failed: " + e.getMessage());
                    }
                });
            }
        }
        double wall = (System.nanoTime() - wall0) / 1e9;
        System.out.println("| device | file | compile s (" + threads + " threads) | load s |");
        System.out.println("| --- | --- | --- | --- |");
        double total = 0;
        for (KernelSource source : sources) {
            long t0 = System.nanoTime();
            rt.module(source);
            double s = (System.nanoTime() - t0) / 1e9;
            double c = compileSeconds.getOrDefault(source.name(), Double.NaN);
            total += c + s;
            System.out.printf("| %s | %s | %.2f | %.2f |%n", p.deviceName(), source.name(), c, s);
        }
        System.out.printf("| %s | all: compile wall %.2f s, sum of compile + load %.2f s |%n", p.deviceName(), wall, total);
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
