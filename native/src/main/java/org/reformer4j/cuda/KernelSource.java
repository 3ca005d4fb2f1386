package org.reformer4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of one {@code .cu} kernel file and of the headers it includes with {@code #include "name"}.
 * {@link #load} reads it from the resources beside a launcher class, or, when the system property
 * {@value #KERNELS_DIR_PROPERTY} names a folder that holds a file of that name, from that folder (kernel
 * research without rebuilding). Headers resolve the same way, then from this package (kernel_prelude.cuh).
 *
 * @param name file name, e.g. {@code softmax.cu}
 * @param text the source
 * @param headers included headers by name, transitively
 */
public record KernelSource(String name, String text, Map<String, String> headers) {
    /** System property naming a folder of {@code .cu} files that override the bundled ones. */
    public static final String KERNELS_DIR_PROPERTY = "reformer4j.kernels.dir";
    /** The header every compiler includes first (NVRTC, nvcc, the emulator's g++). */
    public static final String PRELUDE = "kernel_prelude.cuh";
    /** The emulator's CUDA built-ins. */
    public static final String EMULATOR_HEADER = "cuda_emu.h";

    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"", Pattern.MULTILINE);
    private static final Pattern KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?void\\s+(\\w+)\\s*\\(");

    public KernelSource {
        headers = Map.copyOf(headers);
    }

    /**
     * From the name and the text only (their hashes are cached by String): runtimes look their module up by
     * source at every launch, and the record's own hash would walk the headers map each time. Consistent with
     * the record's equals, which also compares the headers.
     */
    @Override
    public int hashCode() {
        return 31 * name.hashCode() + text.hashCode();
    }

    /** Loads {@code fileName} beside {@code anchor} (or from the override folder) with its headers. */
    public static KernelSource load(Class<?> anchor, String fileName) {
        String text = read(anchor, fileName);
        Map<String, String> headers = new TreeMap<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        todo.add(text);
        todo.add(read(KernelSource.class, PRELUDE));
        headers.put(PRELUDE, todo.getLast());
        while (!todo.isEmpty()) {
            Matcher m = INCLUDE.matcher(todo.poll());
            while (m.find()) {
                String h = m.group(1);
                if (headers.containsKey(h)) continue;
                String body = resource(anchor, h) != null || overridden(h) != null ? read(anchor, h) : read(KernelSource.class, h);
                headers.put(h, body);
                todo.add(body);
            }
        }
        return new KernelSource(fileName, text, headers);
    }

    /** Names of the kernels this file declares as {@code extern "C" __global__ void name(}. */
    public java.util.List<String> kernelNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        Matcher m = KERNEL.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** SHA-256 over the file name, text and headers, in hex: the key of compiled-module caches. */
    public String hash(String... extra) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, name);
            update(md, text);
            for (var e : new TreeMap<>(headers).entrySet()) {
                update(md, e.getKey());
                update(md, e.getValue());
            }
            for (String x : extra) update(md, x);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JDK", e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((byte) (b.length >>> 24));
        md.update((byte) (b.length >>> 16));
        md.update((byte) (b.length >>> 8));
        md.update((byte) b.length);
        md.update(b);
    }

    /** Text of a header shipped in this package (kernel_prelude.cuh, cuda_emu.h). */
    static String nativeHeader(String name) {
        return read(KernelSource.class, name);
    }

    private static Path overridden(String fileName) {
        String dir = System.getProperty(KERNELS_DIR_PROPERTY);
        if (dir == null || dir.isBlank()) return null;
        Path p = Path.of(dir).resolve(fileName);
        return Files.isRegularFile(p) ? p : null;
    }

    private static java.net.URL resource(Class<?> anchor, String fileName) {
        return anchor.getResource(fileName);
    }

    private static String read(Class<?> anchor, String fileName) {
        try {
            Path p = overridden(fileName);
            if (p != null) return Files.readString(p, StandardCharsets.UTF_8);
            try (InputStream in = anchor.getResourceAsStream(fileName)) {
                if (in == null)
                    throw new IllegalArgumentException("kernel file '" + fileName + "' not found beside "
                            + anchor.getName() + " (nor in " + KERNELS_DIR_PROPERTY + "="
                            + System.getProperty(KERNELS_DIR_PROPERTY) + ")");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel file " + fileName, e);
        }
    }
}
