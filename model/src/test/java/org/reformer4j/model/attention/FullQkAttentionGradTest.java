package org.reformer4j.model.attention;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.GradCheck;

/**
 * Finite differences in float64 against the backward of full shared-QK attention, whose scale and masks (self,
 * input keep-mask, causal) are one fused op on the CPU: causal or not, with or without an input mask, with
 * memory rows (queries T < keys L).
 */
class FullQkAttentionGradTest {
    @ParameterizedTest
    @CsvSource({
        "false, false, 6",
        "true,  false, 6",
        "true,  true,  6",
        "false, true,  4",
        "true,  true,  4",
    })
    void gradientMatchesFiniteDifferences(boolean causal, boolean masked, int t) {
        int n = 2, len = 6, dh = 4;
        Tensor qk = GradCheck.rand(21, -1, 1, n, len, dh);
        Tensor v = GradCheck.rand(22, -1, 1, n, len, dh);
        boolean[][] mask = null;
        if (masked) {
            mask = new boolean[n][len];
            for (int r = 0; r < n; r++) for (int p = 0; p < len; p++) mask[r][p] = p != 1 + r;
        }
        boolean[][] m = mask;
        GradCheck.check("fullQkAttention", x -> FullQkAttention.forward(x[0], x[1], t, m, causal, null), qk, v);
    }
}
