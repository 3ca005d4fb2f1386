package org.reformer4j.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a kernel file with the CUDA toolkit's {@code nvcc -cubin -arch=sm_XY}, with kernel_prelude.cuh
 * included first as NVRTC and the emulator do. Used by the tests as a check that every .cu file is valid
 * CUDA for the GPU too, on machines that have the toolkit but no GPU.
 */
public final class Nvcc {
    private Nvcc() {}

    /** The nvcc executable on the PATH (or in /usr/local/cuda/bin), or null. */
    public static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "nvcc");
            if (Files.isExecutable(p)) return p;
        }
        Path fallback = Path.of("/usr/local/cuda/bin/nvcc");
        return Files.isExecutable(fallback) ? fallback : null;
    }

    /**
     * Compiles {@code source} to a CUBIN for {@code arch} (e.g. {@code sm_90}); returns its size in bytes.
     * Throws {@link CudaException} carrying nvcc's output when compilation fails.
     */
    public static long compileCubin(Path nvcc, KernelSource source, String arch) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("r4j-nvcc-");
        try {
            for (var h : source.headers().entrySet()) Files.writeString(work.resolve(h.getKey()), h.getValue());
            Path cu = work.resolve(source.name());
            Files.writeString(cu, source.text());
            Path out = work.resolve("out.cubin");
            List<String> cmd = List.of(nvcc.toString(), "-cubin", "-arch=" + arch, "-std=c++17", "-I", work.toString(),
                    "-include", KernelSource.PRELUDE, "-o", out.toString(), cu.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
            if (p.exitValue() != 0)
                throw new CudaException("nvcc " + source.name(), "COMPILE_ERROR (exit " + p.exitValue() + ")",
                        String.join(" ", cmd), log);
            return Files.size(out);
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
