package org.reformer4j.model.attention;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;

/**
 * Full attention over shared query/keys (reformer-pytorch {@code FullQKAttention.forward}, R:449-484):
 * queries are the first T rows of qk, keys all L rows unit-normalised, scores scaled by dh^-0.5; the
 * diagonal gets -5e4 first, then the keep-mask ({@code m[i] AND m[j]}) and the causal mask (j > i within the
 * first T columns) write the dtype's most negative value; softmax, dropout, times v. No position
 * information. Shapes: qk, v [N, L, dh] -> [N, T, dh]; mask [N][L] or null.
 */
public final class FullQkAttention {
    private FullQkAttention() {}

    /** {@code dropout} maps the probabilities [N, T, L] (identity when none). */
    public static Tensor forward(Tensor qk, Tensor v, int queryLen, boolean[][] mask, boolean causal,
                                 java.util.function.UnaryOperator<Tensor> dropout) {
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2), t = queryLen;
        DType dt = qk.dtype();
        Tensor q = qk.narrow(1, 0, t);
        Tensor k = qk.div(qk.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
        Tensor dot = q.matmul(k.transpose(1, 2)).mul(Math.pow(dh, -0.5)); // [N, T, L]
        boolean[] self = new boolean[t * len];
        for (int i = 0; i < t; i++) self[i * len + i] = true;
        dot = dot.maskedFill(Tensor.of(self, 1, t, len).to(dot.device()), LshAttentionCore.SELF_VALUE);
        double masked = Arrays2.maskValue(dt);
        if (mask != null) {
            boolean[] drop = new boolean[n * t * len];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < len; j++) drop[(r * t + i) * len + j] = !(mask[r][i] && mask[r][j]);
                }
            }
            dot = dot.maskedFill(Tensor.of(drop, n, t, len).to(dot.device()), masked);
        }
        if (causal) {
            boolean[] fut = new boolean[t * len];
            for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) fut[i * len + j] = true;
            dot = dot.maskedFill(Tensor.of(fut, 1, t, len).to(dot.device()), masked);
        }
        Tensor p = Functional.softmax(dot, -1, false);
        if (dropout != null) p = dropout.apply(p);
        return p.matmul(v);
    }

    static Tensor bools(boolean[] b, int... shape) {
        return Tensor.of(b, shape).to(Device.CPU);
    }
}
