package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.reformer4j.cuda.KernelSource;
import org.reformer4j.cuda.Nvcc;

/**
 * The checks every kernel package runs on its .cu files (STYLE.md, name = path): each has its launcher,
 * CPU twin and test beside it (softmax.cu: Softmax, SoftmaxCpu, SoftmaxTest), opens with a comment that
 * names it and lists its versions, and compiles with {@code nvcc -cubin -arch=sm_90} where nvcc exists.
 */
public final class KernelFiles {
    private KernelFiles() {}

    /** The .cu files beside {@code sampleCu} in {@code anchor}'s resource package, sorted. */
    public static List<String> list(Class<?> anchor, String sampleCu) throws Exception {
        Path dir = Path.of(anchor.getResource(sampleCu).toURI()).getParent();
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().forEach(names::add);
        }
        return names;
    }

    /** lsh_hash.cu -> LshHash. */
    public static String className(String cuFile) {
        StringBuilder sb = new StringBuilder();
        for (String part : cuFile.substring(0, cuFile.length() - 3).split("_"))
            sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        return sb.toString();
    }

    /** Launcher, twin and test classes exist in {@code anchor}'s package; the top comment names the file and its versions. */
    public static void checkSiblingsAndHeader(Class<?> anchor, List<String> files) throws Exception {
        for (String f : files) {
            String base = anchor.getPackageName() + "." + className(f);
            for (String suffix : new String[] {"", "Cpu", "Test"}) Class.forName(base + suffix);
            String text = KernelSource.load(anchor, f).text();
            assertTrue(text.startsWith("// " + f + " - "), f + " opens with '// " + f + " - ...'");
            assertTrue(text.contains("Versions: v1"), f + " lists its versions in the top comment");
        }
    }

    /** {@code nvcc -cubin -arch=sm_90} of one file; skipped with a message when nvcc is not on the PATH. */
    public static void compilesForSm90(Class<?> anchor, String file) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not on the PATH: the sm_90 compile check of " + file + " is skipped");
        assertTrue(Nvcc.compileCubin(nvcc, KernelSource.load(anchor, file), "sm_90") > 0);
    }
}
