package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.KernelSource;
import org.reformer4j.cuda.Nvcc;

/**
 * Every .cu file of this package: has its launcher, CPU twin and test beside it (lsh_hash.cu: LshHash,
 * LshHashCpu, LshHashTest), opens with a comment that names it and lists its versions, and compiles for
 * the GPU with {@code nvcc -cubin -arch=sm_90} (skipped with a message where nvcc is not installed).
 */
class ReformerKernelFilesTest {
    static List<String> kernelFiles() throws IOException, URISyntaxException {
        Path dir = Path.of(ReformerKernelFilesTest.class.getResource("lsh_hash.cu").toURI()).getParent();
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().forEach(names::add);
        }
        return names;
    }

    static String className(String cuFile) {
        StringBuilder sb = new StringBuilder();
        for (String part : cuFile.substring(0, cuFile.length() - 3).split("_"))
            sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        return sb.toString();
    }

    @Test
    void everyKernelHasLauncherTwinAndTest() throws Exception {
        List<String> files = kernelFiles();
        assertEquals(List.of("lsh_attention_backward.cu", "lsh_attention_forward.cu", "lsh_hash.cu", "lsh_sort.cu",
                "reversible.cu"), files);
        for (String f : files) {
            String base = "org.reformer4j.kernels.reformer." + className(f);
            for (String suffix : new String[] {"", "Cpu", "Test"}) Class.forName(base + suffix);
            String text = KernelSource.load(ReformerKernelFilesTest.class, f).text();
            assertTrue(text.startsWith("// " + f + " - "), f + " opens with '// " + f + " - ...'");
            assertTrue(text.contains("Versions: v1"), f + " lists its versions in the top comment");
        }
    }

    @ParameterizedTest
    @MethodSource("kernelFiles")
    void compilesForSm90WithNvcc(String file) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not on the PATH: the sm_90 compile check of " + file + " is skipped");
        assertTrue(Nvcc.compileCubin(nvcc, KernelSource.load(ReformerKernelFilesTest.class, file), "sm_90") > 0);
    }
}
