/*
 * What `info` says about the processor, read as lscpu does from /proc/cpuinfo on Linux: model name,
 * logical processors, and the SIMD features that matter to the CPU kernels (SSE4.2, AVX, AVX2, FMA,
 * AVX-512, ARM NEON/ASIMD and SVE). Elsewhere, the JVM's os.arch and processor count.
 */
package org.reformer4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

record CpuInfo(String model, int logical, List<String> simd) {
    private static final List<String> INTERESTING = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
            "avx512_bf16", "avx512_fp16", "amx_tile", "asimd", "neon", "sve", "sve2");

    static CpuInfo read() {
        return parse(readProc(), System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
    }

    private static String readProc() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Parses /proc/cpuinfo text (x86 "model name"/"flags", ARM "CPU part"/"Features"). */
    static CpuInfo parse(String text, String arch, int processors) {
        String model = null;
        int logical = 0;
        Set<String> flags = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).strip(), value = line.substring(colon + 1).strip();
            switch (key) {
                case "processor" -> logical++;
                case "model name", "Model", "Hardware" -> {
                    if (model == null && !value.isEmpty()) model = value;
                }
                case "flags", "Features" -> {
                    for (String f : value.split("\\s+")) flags.add(f);
                }
                default -> { }
            }
        }
        List<String> simd = new ArrayList<>();
        for (String f : INTERESTING) if (flags.contains(f)) simd.add(f);
        return new CpuInfo(model == null ? arch : model + " (" + arch + ")", logical > 0 ? logical : processors, simd);
    }
}
