package org.reformer4j.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles a .cu file for the emulator: the host C++ compiler (system property {@code reformer4j.emu.cxx},
 * default {@code g++}) builds a shared library from a small translation unit that includes
 * kernel_prelude.cuh (hence cuda_emu.h), the kernel file, and one {@code R4J_EMU_EXPORT(name)} per kernel
 * found in it. Results are cached on disk by {@link CompileCache}, keyed by source, headers and flags.
 */
final class EmuCompiler {
    static final List<String> FLAGS = List.of("-std=c++20", "-O2", "-shared", "-fPIC", "-pthread", "-w");

    private EmuCompiler() {}

    static String compiler() {
        return System.getProperty("reformer4j.emu.cxx", "g++");
    }

    /** The shared library for {@code source}, compiled now if not cached. */
    static Path compile(KernelSource source) {
        List<String> kernels = source.kernelNames();
        if (kernels.isEmpty())
            throw new IllegalArgumentException(source.name() + " declares no kernel as extern \"C\" __global__ void name(...)");
        String emuHeader = KernelSource.nativeHeader(KernelSource.EMULATOR_HEADER);
        String key = source.hash(compiler(), String.join(" ", FLAGS), emuHeader);
        return CompileCache.get(source.name(), key, "so", target -> build(source, kernels, emuHeader, target));
    }

    private static void build(KernelSource source, List<String> kernels, String emuHeader, Path target)
            throws IOException {
        Path work = Files.createTempDirectory("r4j-emu-");
        try {
            Files.writeString(work.resolve(KernelSource.EMULATOR_HEADER), emuHeader, StandardCharsets.UTF_8);
            for (var h : source.headers().entrySet())
                Files.writeString(work.resolve(h.getKey()), h.getValue(), StandardCharsets.UTF_8);
            Files.writeString(work.resolve(source.name()), source.text(), StandardCharsets.UTF_8);
            StringBuilder tu = new StringBuilder("#include \"" + KernelSource.PRELUDE + "\"\n#include \""
                    + source.name() + "\"\n");
            for (String k : kernels) tu.append("R4J_EMU_EXPORT(").append(k).append(")\n");
            Path unit = work.resolve("emu_unit.cpp");
            Files.writeString(unit, tu, StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>();
            cmd.add(compiler());
            cmd.addAll(FLAGS);
            cmd.addAll(List.of("-I", work.toString(), "-o", target.toString(), unit.toString()));
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new CudaException("emulator compile of " + source.name(), "COMPILER_NOT_FOUND",
                        String.join(" ", cmd), e.getMessage());
            }
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted compiling " + source.name(), e);
            }
            if (p.exitValue() != 0)
                throw new CudaException("emulator compile of " + source.name(), "COMPILE_ERROR (exit "
                        + p.exitValue() + ")", String.join(" ", cmd), log);
        } finally {
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
