package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.kernels.KernelFiles;

/**
 * Every .cu file of this package: has its launcher, CPU twin and test beside it (lsh_hash.cu: LshHash,
 * LshHashCpu, LshHashTest), opens with a comment that names it and lists its versions, and compiles for
 * the GPU with {@code nvcc -cubin -arch=sm_90} (skipped with a message where nvcc is not installed).
 */
class ReformerKernelFilesTest {
    static List<String> kernelFiles() throws Exception {
        return KernelFiles.list(ReformerKernelFilesTest.class, "lsh_hash.cu");
    }

    @Test
    void everyKernelHasLauncherTwinAndTest() throws Exception {
        List<String> files = kernelFiles();
        assertEquals(List.of("lsh_attention_backward.cu", "lsh_attention_forward.cu", "lsh_hash.cu", "lsh_sort.cu",
                "reversible.cu"), files);
        KernelFiles.checkSiblingsAndHeader(ReformerKernelFilesTest.class, files);
    }

    @ParameterizedTest
    @MethodSource("kernelFiles")
    void compilesForSm90WithNvcc(String file) throws Exception {
        KernelFiles.compilesForSm90(ReformerKernelFilesTest.class, file);
    }
}
