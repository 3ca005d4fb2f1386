package org.reformer4j.kernels.backend;

import org.reformer4j.core.Backends;
import org.reformer4j.core.Tensor;

/** CPU twin of sort_rows.cu: the CPU backend's stable row sort (CpuIndex.sortRows). CPU tensors. */
public final class SortRowsCpu {
    private SortRowsCpu() {}

    public static void sort(Tensor a, boolean descending, int k, Tensor values, Tensor indices) {
        Backends.cpu().sortRows(a, descending, k, values, indices);
    }
}
