package org.reformer4j.kernels;

/**
 * CPU twin of cross_entropy.cu on float[]: per row lse = max + log(sum exp(x - max)), loss = lse - x[t];
 * mean over the rows whose target is not ignoreIndex (NaN when there are none); backward
 * (softmax - onehot) * dloss / count, zero on ignored rows. Sums accumulate in float64.
 */
public final class CrossEntropyCpu {
    private CrossEntropyCpu() {}

    /** Returns {mean, count}; fills lse. */
    public static float[] forward(float[] logits, int[] targets, float[] lse, int rows, int cols, int ignoreIndex) {
        double sum = 0;
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) m = Math.max(m, logits[base + j]);
            double s = 0;
            for (int j = 0; j < cols; j++) s += (float) Math.exp(logits[base + j] - m);
            lse[r] = m + (float) Math.log((float) s);
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if (t < 0 || t >= cols)
                throw new IndexOutOfBoundsException("cross_entropy: target " + t + " of row " + r + " outside [0, "
                        + cols + ") and not ignore_index " + ignoreIndex);
            sum += lse[r] - logits[base + t];
            count++;
        }
        return new float[] {(float) sum / count, count};
    }

    public static void backward(float[] logits, int[] targets, float[] lse, float count, float dloss, float[] dlogits,
            int rows, int cols, int ignoreIndex) {
        float scale = dloss / count;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            boolean ignored = t == ignoreIndex || t < 0 || t >= cols;
            for (int j = 0; j < cols; j++)
                dlogits[r * cols + j] = ignored ? 0f
                        : ((float) Math.exp(logits[r * cols + j] - lse[r]) - (j == t ? 1f : 0f)) * scale;
        }
    }
}
