package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every .cu file of this package: has its launcher, CPU twin and test beside it (name = path: softmax.cu,
 * Softmax, SoftmaxCpu, SoftmaxTest), opens with a comment that lists its versions, and compiles for the GPU
 * with {@code nvcc -cubin -arch=sm_90} (skipped with a message where nvcc is not installed).
 */
class KernelFilesTest {
    static List<String> kernelFiles() throws Exception {
        return KernelFiles.list(KernelFilesTest.class, "elementwise.cu");
    }

    @Test
    void everyKernelHasLauncherTwinAndTest() throws Exception {
        List<String> files = kernelFiles();
        assertEquals(List.of("adam.cu", "cross_entropy.cu", "dropout.cu", "elementwise.cu", "embedding.cu",
                "layer_norm.cu", "philox_random.cu", "reduce.cu", "softmax.cu"), files);
        KernelFiles.checkSiblingsAndHeader(KernelFilesTest.class, files);
    }

    @ParameterizedTest
    @MethodSource("kernelFiles")
    void compilesForSm90WithNvcc(String file) throws Exception {
        KernelFiles.compilesForSm90(KernelFilesTest.class, file);
    }
}
