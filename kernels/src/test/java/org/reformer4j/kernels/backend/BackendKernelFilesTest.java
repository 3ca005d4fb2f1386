package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * Every .cu file of the CUDA backend: has its launcher, CPU twin and test beside it (tensor_map.cu,
 * TensorMap, TensorMapCpu, TensorMapTest), opens with a comment naming it and listing its versions, and
 * compiles for the GPU with {@code nvcc -cubin -arch=sm_90} (skipped with a message where nvcc is absent).
 */
class BackendKernelFilesTest {
    static List<String> kernelFiles() throws Exception {
        Path dir = Path.of(BackendKernelFilesTest.class.getResource("tensor_map.cu").toURI()).getParent();
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
        assertEquals(List.of("batched_gemm.cu", "cross_entropy_rows.cu", "row_reduce.cu", "sort_rows.cu",
                "tensor_copy.cu", "tensor_index.cu", "tensor_map.cu"), files);
        for (String f : files) {
            String base = "org.reformer4j.kernels.backend." + className(f);
            for (String suffix : new String[] {"", "Cpu", "Test"}) Class.forName(base + suffix);
            String text = KernelSource.load(BackendKernelFilesTest.class, f).text();
            assertTrue(text.startsWith("// " + f + " - "), f + " opens with '// " + f + " - ...'");
            assertTrue(text.contains("Versions: v1"), f + " lists its versions in the top comment");
        }
    }

    @ParameterizedTest
    @MethodSource("kernelFiles")
    void compilesForSm90WithNvcc(String file) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not on the PATH: the sm_90 compile check of " + file + " is skipped");
        assertTrue(Nvcc.compileCubin(nvcc, KernelSource.load(BackendKernelFilesTest.class, file), "sm_90") > 0);
    }
}
