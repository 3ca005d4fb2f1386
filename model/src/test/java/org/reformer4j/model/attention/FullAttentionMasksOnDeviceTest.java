package org.reformer4j.model.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.model.ReformerGoldenOnDeviceTest;

/**
 * Full attention's unfused device graph applies the self and causal masks as one where() with tensors made once
 * per shape: bit for bit the reference order of two masked fills (the diagonal -5e4, then the future the dtype's
 * most negative value), causal or not, with memory keys (T < L), with and without an input mask, twice in a row
 * (the second call reads the cached masks).
 */
class FullAttentionMasksOnDeviceTest {
    static final Device CUDA = ReformerGoldenOnDeviceTest.CUDA;

    @BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    @Test
    void oneWhereEqualsTheTwoMaskedFills() {
        Random r = new Random(31);
        int n = 3, len = 12, dh = 8;
        for (int t : new int[] {12, 9}) {
            for (boolean causal : new boolean[] {true, false}) {
                for (boolean withMask : new boolean[] {false, true}) {
                    Tensor qk = random(r, n, len, dh), v = random(r, n, len, dh);
                    boolean[][] mask = null;
                    if (withMask) {
                        mask = new boolean[n][len];
                        for (boolean[] m : mask) for (int j = 0; j < len; j++) m[j] = r.nextInt(5) != 0;
                    }
                    float[] want = twoMaskedFills(qk, v, t, mask, causal).toFloatArray();
                    for (int call = 0; call < 2; call++) {
                        float[] got = FullQkAttention.forward(qk, v, t, mask, causal, null).toFloatArray();
                        assertArrayEquals(want, got, "T " + t + " causal " + causal + " mask " + withMask + " call " + call);
                    }
                }
            }
        }
    }

    /** The graph as it was: the diagonal, the input mask and the future each by a masked fill. */
    private static Tensor twoMaskedFills(Tensor qk, Tensor v, int t, boolean[][] mask, boolean causal) {
        int n = qk.size(0), len = qk.size(1), dh = qk.size(2);
        Tensor q = qk.narrow(1, 0, t);
        Tensor k = qk.div(qk.norm(new int[] {2}, true).clamp(1e-12, Double.MAX_VALUE));
        Tensor dot = q.matmul(k.transpose(1, 2)).mul(Math.pow(dh, -0.5));
        boolean[] self = new boolean[t * len];
        for (int i = 0; i < t; i++) self[i * len + i] = true;
        dot = dot.maskedFill(Tensor.of(self, 1, t, len).to(CUDA), LshAttentionCore.SELF_VALUE);
        if (mask != null) {
            boolean[] drop = new boolean[n * t * len];
            for (int b = 0; b < n; b++)
                for (int i = 0; i < t; i++) for (int j = 0; j < len; j++) drop[(b * t + i) * len + j] = !(mask[b][i] && mask[b][j]);
            dot = dot.maskedFill(Tensor.of(drop, n, t, len).to(CUDA), -Float.MAX_VALUE);
        }
        if (causal) {
            boolean[] fut = new boolean[t * len];
            for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) fut[i * len + j] = true;
            dot = dot.maskedFill(Tensor.of(fut, 1, t, len).to(CUDA), -Float.MAX_VALUE);
        }
        return Functional.softmax(dot, -1, false).matmul(v);
    }

    private static Tensor random(Random r, int... shape) {
        int size = 1;
        for (int s : shape) size *= s;
        float[] a = new float[size];
        for (int i = 0; i < size; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, shape).to(CUDA);
    }
}
