package org.reformer4j.kernels;

/** CPU twin of embedding.cu on float[]: row gather and row scatter-add, with the same bounds rule. */
public final class EmbeddingCpu {
    private EmbeddingCpu() {}

    public static void forward(float[] table, int[] ids, float[] out, int n, int dim, int vocab) {
        for (int i = 0; i < n; i++) {
            check(ids[i], i, vocab);
            System.arraycopy(table, ids[i] * dim, out, i * dim, dim);
        }
    }

    public static void backward(float[] dout, int[] ids, float[] dtable, int n, int dim, int vocab) {
        for (int i = 0; i < n; i++) {
            check(ids[i], i, vocab);
            for (int j = 0; j < dim; j++) dtable[ids[i] * dim + j] += dout[i * dim + j];
        }
    }

    private static void check(int id, int i, int vocab) {
        if (id < 0 || id >= vocab)
            throw new IndexOutOfBoundsException("embedding: id " + id + " at position " + i
                    + " outside the vocabulary [0, " + vocab + ")");
    }
}
