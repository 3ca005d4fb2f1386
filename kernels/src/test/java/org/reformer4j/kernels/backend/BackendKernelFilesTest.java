package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.kernels.KernelFiles;

/**
 * Every .cu file of the CUDA backend: has its launcher, CPU twin and test beside it (tensor_map.cu,
 * TensorMap, TensorMapCpu, TensorMapTest), opens with a comment naming it and listing its versions, and
 * compiles for the GPU with {@code nvcc -cubin -arch=sm_90} (skipped with a message where nvcc is absent).
 */
class BackendKernelFilesTest {
    static List<String> kernelFiles() throws Exception {
        return KernelFiles.list(BackendKernelFilesTest.class, "tensor_map.cu");
    }

    @Test
    void everyKernelHasLauncherTwinAndTest() throws Exception {
        List<String> files = kernelFiles();
        assertEquals(List.of("batched_gemm.cu", "cross_entropy_rows.cu", "row_reduce.cu", "sort_rows.cu",
                "tensor_copy.cu", "tensor_index.cu", "tensor_map.cu"), files);
        KernelFiles.checkSiblingsAndHeader(BackendKernelFilesTest.class, files);
    }

    @ParameterizedTest
    @MethodSource("kernelFiles")
    void compilesForSm90WithNvcc(String file) throws Exception {
        KernelFiles.compilesForSm90(BackendKernelFilesTest.class, file);
    }
}
