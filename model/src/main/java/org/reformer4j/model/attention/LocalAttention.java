package org.reformer4j.model.attention;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;

/**
 * Windowed local attention with shared query/keys (local-attention 1.4.3 {@code LocalAttention} as
 * reformer-pytorch builds it for its local heads: window 2*bs, look back 1, look forward 0 if causal else
 * 1, no position information; LA:59-174). Windows of {@code ws} queries see the previous (and next) window;
 * windows outside the sequence hold -1 keys, values and positions. Masks in the reference order: self
 * -5e4, causal, outside window, then the keep-mask last (so a padding query's row is uniform).
 * Shapes: q, v [N, T, dh] with T % ws == 0; mask [N][T] or null.
 */
public final class LocalAttention {
    private LocalAttention() {}

    public static Tensor forward(Tensor q, Tensor v, int windowSize, boolean causal, boolean[][] mask,
                                 java.util.function.UnaryOperator<Tensor> dropout) {
        int n = q.size(0), t = q.size(1), dh = q.size(2), ws = windowSize;
        if (t % ws != 0) {
            throw new IllegalArgumentException("LocalAttention: sequence length " + t + " must be a multiple of the window size " + ws);
        }
        int w = t / ws, back = 1, fwd = causal ? 0 : 1, span = back + fwd + 1, kw = span * ws;
        DType dt = q.dtype();
        Tensor k = q.div(q.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
        Tensor bq = q.reshape(n, w, ws, dh);
        Tensor bk = lookAround(k.reshape(n, w, ws, dh), back, fwd); // [N, W, kw, dh]
        Tensor bv = lookAround(v.reshape(n, w, ws, dh), back, fwd);
        Tensor dots = bq.matmul(bk.transpose(2, 3)).mul(Math.pow(dh, -0.5)); // [N, W, ws, kw]
        int[] kpos = new int[w * kw];
        for (int b = 0; b < w; b++) {
            for (int s = 0; s < span; s++) {
                int win = b - back + s;
                for (int j = 0; j < ws; j++) kpos[b * kw + s * ws + j] = win < 0 || win >= w ? -1 : win * ws + j;
            }
        }
        boolean[] self = new boolean[w * ws * kw], hide = new boolean[w * ws * kw];
        for (int b = 0; b < w; b++) {
            for (int i = 0; i < ws; i++) {
                int pq = b * ws + i;
                for (int j = 0; j < kw; j++) {
                    int pk = kpos[b * kw + j], e = (b * ws + i) * kw + j;
                    self[e] = pq == pk;
                    hide[e] = (causal && pq < pk) || pk == -1;
                }
            }
        }
        double masked = Arrays2.maskValue(dt);
        dots = dots.maskedFill(Tensor.of(self, 1, w, ws, kw).to(dots.device()), LshAttentionCore.SELF_VALUE);
        dots = dots.maskedFill(Tensor.of(hide, 1, w, ws, kw).to(dots.device()), masked);
        if (mask != null) {
            boolean[] off = new boolean[n * w * ws * kw];
            for (int r = 0; r < n; r++) {
                for (int b = 0; b < w; b++) {
                    for (int i = 0; i < ws; i++) {
                        boolean mq = mask[r][b * ws + i];
                        for (int j = 0; j < kw; j++) {
                            int pk = kpos[b * kw + j];
                            off[((r * w + b) * ws + i) * kw + j] = !(mq && pk >= 0 && mask[r][pk]);
                        }
                    }
                }
            }
            dots = dots.maskedFill(Tensor.of(off, n, w, ws, kw).to(dots.device()), masked);
        }
        Tensor p = Functional.softmax(dots, -1, false);
        if (dropout != null) p = dropout.apply(p);
        return p.matmul(bv).reshape(n, t, dh);
    }

    /** [N, W, ws, dh] -> [N, W, (back+fwd+1)*ws, dh]: windows w-back .. w+fwd, -1 outside. */
    private static Tensor lookAround(Tensor x, int back, int fwd) {
        int n = x.size(0), w = x.size(1), ws = x.size(2), dh = x.size(3);
        List<Tensor> parts = new ArrayList<>();
        Tensor pad = Tensor.full(new int[] {n, 1, ws, dh}, -1, x.dtype(), x.device());
        List<Tensor> padded = new ArrayList<>();
        for (int i = 0; i < back; i++) padded.add(pad);
        padded.add(x);
        for (int i = 0; i < fwd; i++) padded.add(pad);
        Tensor px = Tensor.cat(padded, 1); // [N, W+back+fwd, ws, dh]
        for (int s = 0; s < back + fwd + 1; s++) parts.add(px.narrow(1, s, w));
        return Tensor.cat(parts, 2);
    }
}
