package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of embedding.cu: lookup {@code out[i, :] = table[ids[i], :]} and its gradient, the scatter-add
 * {@code dtable[ids[i], :] += dout[i, :]} (torch.nn.functional.embedding and its backward). An id outside
 * [0, vocab) is an {@link IndexOutOfBoundsException} naming the first bad position and its id (checked
 * after the kernel, which records it on the device). CPU twin: {@link EmbeddingCpu}.
 */
public final class Embedding {
    static final KernelSource SOURCE = KernelSource.load(Embedding.class, "embedding.cu");
    /** Kernel versions (see the top comment of embedding.cu). */
    public static final int VERSIONS = 1;

    private Embedding() {}

    public static void forward(CudaRuntime rt, DeviceBuffer table, DeviceBuffer ids, DeviceBuffer out, int n, int dim,
            int vocab, int version) {
        run(rt, "embedding", Launch.versioned("embedding", "embedding_forward", version, VERSIONS), table, "table",
                ids, out, "out", n, dim, vocab);
    }

    /** Adds into dtable (zero it first for a plain gradient). */
    public static void backward(CudaRuntime rt, DeviceBuffer dout, DeviceBuffer ids, DeviceBuffer dtable, int n,
            int dim, int vocab, int version) {
        run(rt, "embedding_backward", Launch.versioned("embedding_backward", "embedding_backward", version, VERSIONS),
                dout, "dout", ids, dtable, "dtable", n, dim, vocab);
    }

    private static void run(CudaRuntime rt, String op, String fn, DeviceBuffer in, String inName, DeviceBuffer ids,
            DeviceBuffer out, String outName, int n, int dim, int vocab) {
        Launch.checkSizes(op, n, dim, vocab);
        boolean forward = op.equals("embedding");
        Launch.check4(op, inName, in, forward ? (long) vocab * dim : (long) n * dim);
        Launch.check4(op, outName, out, forward ? (long) n * dim : (long) vocab * dim);
        Launch.check4(op, "ids", ids, n);
        if ((long) n * dim == 0) return;
        try (DeviceBuffer error = rt.upload(new int[] {n})) {
            Launch.function(rt, SOURCE, fn).launch(Launch.grid((long) n * dim), org.reformer4j.cuda.Dim3.of(Launch.BLOCK),
                    0, KernelArgs.of().ptr(in).ptr(ids).ptr(out).i64(n).i32(dim).i32(vocab).ptr(error));
            int bad = rt.downloadInts(error, 1)[0];
            if (bad < n) {
                int[] id = new int[1];
                rt.copyToHost(ids, 4L * bad, java.lang.foreign.MemorySegment.ofArray(id), 4);
                throw new IndexOutOfBoundsException(op + ": id " + id[0] + " at position " + bad
                        + " outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
