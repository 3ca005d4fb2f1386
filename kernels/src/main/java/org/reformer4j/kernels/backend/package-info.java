/**
 * The CUDA backend of the core tensor library: {@link org.reformer4j.kernels.backend.CudaBackendProvider}
 * ("cuda", found by ServiceLoader) opens {@link org.reformer4j.kernels.backend.CudaBackend} on the GPU, or on
 * the CUDA emulator with {@code -Dreformer4j.cuda.emulate=true} (the kernels module's tests set it; pass
 * {@code -Dreformer4j.cuda.emulate=false} to run them on a GPU). Each Backend SPI call goes to one launcher:
 * <pre>
 * SPI call                         launcher            kernel file (this package unless noted)   dtypes
 * copy, fill                       TensorCopy          tensor_copy.cu                          all, any pair
 * unary, binary, where             TensorMap           tensor_map.cu                           all (ops as on the CPU)
 * reduceRows, argReduceRows        RowReduce           row_reduce.cu                           f32 f64; ints SUM/MAX/MIN
 * matmul                           CublasMatmul        runtime sgemm (cuBLAS / CPU GEMM)       f32
 *                                  BatchedGemm         batched_gemm.cu                         f64
 * softmaxRows(+Backward)           FusedRows           ../softmax.cu                           f32
 * layerNormRows(+Backward)         FusedRows           ../layer_norm.cu                        f32
 * random                           FusedRows           ../philox_random.cu                     f32
 * crossEntropyRows(+Backward)      CrossEntropyRows    cross_entropy_rows.cu                   f32 f64
 * gather, scatterAdd,
 * indexSelect, indexAdd            TensorIndex         tensor_index.cu                         all (adds: not bool)
 * sortRows                         SortRows            sort_rows.cu                            all
 * </pre>
 * float64 where no kernel has it is an {@link java.lang.UnsupportedOperationException} naming the op. Each
 * .cu file's CPU twin ({@code TensorMapCpu}...) is the CPU backend's own kernel, the reference it follows.
 * The bounds checks of TensorIndex and CrossEntropyRows go through {@code DeviceChecks}: read after each op by
 * default, or all together at the next copy to the host with {@code CudaBackend.deferChecks(true)} (a
 * training step without host round trips).
 */
package org.reformer4j.kernels.backend;
