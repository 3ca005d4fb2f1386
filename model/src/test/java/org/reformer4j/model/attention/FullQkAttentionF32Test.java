package org.reformer4j.model.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.GradCheck;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * The fused float32 full attention ({@link FullQkAttentionF32}, Vector API and scalar loops) against the unfused
 * graph of {@link FullQkAttention#forward} run in float64 on the same values (its backward is checked by finite
 * differences in {@link FullQkAttentionGradTest}), with the dropout mask built from the documented Philox mapping
 * (float32 uniform e of the [N, T, L] probabilities >= p): output and the gradients of qk and v, causal or not,
 * input mask or not, memory rows (T < L), dropout on and off; the unfused float32 graph with Functional.dropout
 * (the same mask, drawn once); a float32 directional finite difference of the fused op; dispatch and bad input.
 */
class FullQkAttentionF32Test {
    private static final long SEED = 77, STREAM = 5, COUNTER = 1234;

    @AfterEach
    void restore() {
        FullQkAttentionF32.vector = true;
        FullQkAttentionF32.skipMasked = true;
        FullQkAttention.fused = true;
    }

    /** Forward output and the gradients of qk and v of sum(out * w), as float64 arrays. */
    private record Result(double[] out, double[] dqk, double[] dv) {}

    private static boolean[][] mask(int n, int len) {
        boolean[][] m = new boolean[n][len];
        for (int r = 0; r < n; r++) for (int p = 0; p < len; p++) m[r][p] = p % 5 != 2 + r && p != len - 1 - r;
        return m;
    }

    /** The scaled dropout multipliers in float64 from the float32 uniforms of (SEED, STREAM) at block COUNTER. */
    private static Tensor dropMask(double rate, int... shape) {
        double[] u = Tensor.rand(shape, SEED, STREAM, COUNTER, DType.F32, Device.CPU).toDoubleArray();
        for (int i = 0; i < u.length; i++) u[i] = u[i] >= rate ? 1 / (1 - rate) : 0;
        return Tensor.of(u, shape);
    }

    private static Result run(Tensor qk0, Tensor v0, Tensor w0, DType dt, java.util.function.Function<Tensor[], Tensor> f) {
        Tensor qk = qk0.to(dt).detach().requiresGrad(true), v = v0.to(dt).detach().requiresGrad(true);
        Tensor out = f.apply(new Tensor[] {qk, v});
        out.mul(w0.to(dt)).sum().backward();
        return new Result(out.toDoubleArray(), qk.grad().toDoubleArray(), v.grad().toDoubleArray());
    }

    private static FullQkAttention.Dropout dropout(double rate, long[] draws) {
        return rate == 0 ? null : new FullQkAttention.Dropout(rate, SEED, STREAM, blocks -> {
            draws[0]++;
            draws[1] = blocks;
            return COUNTER;
        });
    }

    /** Largest |a - b| relative to max(1, largest |b|), named in the failure message. */
    private static void close(String what, double[] a, double[] b, double tol) {
        assertEquals(b.length, a.length, what + ": length");
        double worst = 0, scale = 1;
        int at = -1;
        for (double x : b) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        double err = worst / scale;
        System.out.printf("fused vs reference, %s: relative error %.3e%n", what, err);
        assertTrue(err <= tol, what + ": largest difference " + worst + " at " + at + " (fused " + (at < 0 ? 0 : a[at]) + ", reference "
                + (at < 0 ? 0 : b[at]) + "), relative " + err + " > " + tol);
    }

    @ParameterizedTest
    @CsvSource({
        // causal, masked, n, t, len, dh, dropout, vector
        "false, false, 3, 40, 40, 16, 0.0, true",
        "true,  false, 3, 40, 40, 16, 0.0, true",
        "true,  true,  3, 40, 40, 16, 0.0, true",
        "false, true,  3, 33, 40, 16, 0.0, true",
        "true,  true,  3, 33, 40, 16, 0.0, true",
        "true,  false, 3, 40, 40, 16, 0.2, true",
        "false, true,  3, 33, 40, 16, 0.2, true",
        "true,  true,  3, 33, 40, 16, 0.2, true",
        "true,  true,  3, 33, 40, 16, 0.2, false",
        "false, false, 2, 37, 37, 12, 0.1, false",
        "true,  false, 2, 128, 128, 64, 0.1, true",
    })
    void fusedMatchesTheUnfusedGraphInFloat64(boolean causal, boolean masked, int n, int t, int len, int dh, double rate, boolean vector) {
        FullQkAttentionF32.vector = vector;
        Tensor qk = GradCheck.rand(31, -1.5, 1.5, n, len, dh), v = GradCheck.rand(32, -1, 1, n, len, dh);
        Tensor w = GradCheck.rand(33, -1, 1, n, t, dh);
        boolean[][] m = masked ? mask(n, len) : null;
        Tensor drop = rate == 0 ? null : dropMask(rate, n, t, len);
        Result ref = run(qk, v, w, DType.F64, x -> FullQkAttention.forward(x[0], x[1], t, m, causal, drop == null ? null : p -> p.mul(drop)));
        long[] draws = new long[2];
        Result got = run(qk, v, w, DType.F32, x -> {
            Tensor y = FullQkAttention.attend(x[0], x[1], t, m, causal, dropout(rate, draws));
            assertEquals("fullQkAttentionF32", y.gradFn().name(), "float32 CPU inputs take the fused op");
            return y;
        });
        if (rate > 0) {
            assertEquals(1, draws[0], "one draw per forward");
            assertEquals(Generator.blocksFor4((long) n * t * len), draws[1], "blocks drawn");
        }
        String c = "causal " + causal + ", mask " + masked + ", N " + n + ", T " + t + ", L " + len + ", dh " + dh + ", dropout " + rate
                + ", vector " + vector;
        close("output (" + c + ")", got.out, ref.out, 2e-6);
        close("d qk (" + c + ")", got.dqk, ref.dqk, 1e-6);
        close("d v (" + c + ")", got.dv, ref.dv, 2e-6);
    }

    @ParameterizedTest
    @CsvSource({"true, false, 0.1", "false, true, 0.3", "true, true, 0.0"})
    void fusedMatchesTheUnfusedFloat32GraphWithItsDropout(boolean causal, boolean masked, double rate) {
        int n = 4, t = 48, len = 48, dh = 32;
        Tensor qk = GradCheck.rand(41, -1.5, 1.5, n, len, dh), v = GradCheck.rand(42, -1, 1, n, len, dh);
        Tensor w = GradCheck.rand(43, -1, 1, n, t, dh);
        boolean[][] m = masked ? mask(n, len) : null;
        Result ref = run(qk, v, w, DType.F32, x -> FullQkAttention.forward(x[0], x[1], t, m, causal,
                rate == 0 ? null : p -> Functional.dropout(p, rate, SEED, STREAM, COUNTER)));
        Result got = run(qk, v, w, DType.F32, x -> FullQkAttention.attend(x[0], x[1], t, m, causal, dropout(rate, new long[2])));
        String c = "float32 graph, causal " + causal + ", mask " + masked + ", dropout " + rate;
        close("output (" + c + ")", got.out, ref.out, 1e-7);
        close("d qk (" + c + ")", got.dqk, ref.dqk, 1e-7);
        close("d v (" + c + ")", got.dv, ref.dv, 1e-7);
        // the same mask: an output element is zeroed exactly where the float32 graph zeroes it
        for (int i = 0; i < ref.out.length; i++) assertEquals(ref.out[i] == 0, got.out[i] == 0, "zero pattern at " + i);
    }

    /** Directional central difference of sum(out * w) in float32 (step 1e-2) against the fused backward. */
    @ParameterizedTest
    @CsvSource({"true, true, 0.2", "false, false, 0.0"})
    void fusedBackwardMatchesAFloat32DirectionalDifference(boolean causal, boolean masked, double rate) {
        int n = 2, t = 20, len = 24, dh = 8;
        Tensor qk = GradCheck.rand(51, -1, 1, n, len, dh), v = GradCheck.rand(52, -1, 1, n, len, dh);
        Tensor w = GradCheck.rand(53, -1, 1, n, t, dh), dq = GradCheck.rand(54, -1, 1, n, len, dh), dvd = GradCheck.rand(55, -1, 1, n, len, dh);
        boolean[][] m = masked ? mask(n, len) : null;
        java.util.function.Function<Tensor[], Tensor> f = x -> FullQkAttention.attend(x[0], x[1], t, m, causal, dropout(rate, new long[2]));
        Result g = run(qk, v, w, DType.F32, f);
        double analytic = 0;
        double[] a = dq.toDoubleArray(), b = dvd.toDoubleArray();
        for (int i = 0; i < a.length; i++) analytic += g.dqk[i] * a[i] + g.dv[i] * b[i];
        double eps = 1e-2;
        double plus = loss(f, qk.add(dq.mul(eps)), v.add(dvd.mul(eps)), w), minus = loss(f, qk.sub(dq.mul(eps)), v.sub(dvd.mul(eps)), w);
        double numeric = (plus - minus) / (2 * eps);
        assertTrue(Math.abs(numeric - analytic) <= 2e-3 * Math.max(1, Math.abs(numeric)),
                "directional derivative: fused backward " + analytic + ", central difference " + numeric);
    }

    private static double loss(java.util.function.Function<Tensor[], Tensor> f, Tensor qk, Tensor v, Tensor w) {
        Tensor out = f.apply(new Tensor[] {qk.to(DType.F32), v.to(DType.F32)});
        double[] o = out.toDoubleArray(), c = w.toDoubleArray();
        double s = 0;
        for (int i = 0; i < o.length; i++) s += o[i] * c[i];
        return s;
    }

    @Test
    void float64AndDisabledFusionRunTheUnfusedGraph() {
        int n = 2, t = 10, len = 12, dh = 4;
        Tensor qk = GradCheck.rand(61, -1, 1, n, len, dh), v = GradCheck.rand(62, -1, 1, n, len, dh);
        boolean[][] m = mask(n, len);
        Tensor a = FullQkAttention.attend(qk, v, t, m, true, dropout(0.25, new long[2]));
        Tensor b = FullQkAttention.forward(qk, v, t, m, true, p -> Functional.dropout(p, 0.25, SEED, STREAM, COUNTER));
        assertArrayEquals(b.toDoubleArray(), a.toDoubleArray(), 0.0, "float64 output");
        FullQkAttention.fused = false;
        Tensor q32 = qk.to(DType.F32).detach().requiresGrad(true);
        Tensor c = FullQkAttention.attend(q32, v.to(DType.F32), t, m, true, null);
        assertTrue(!"fullQkAttentionF32".equals(c.gradFn().name()), "fusion off: the unfused graph");
        assertArrayEquals(FullQkAttention.forward(q32, v.to(DType.F32), t, m, true, null).toDoubleArray(), c.toDoubleArray(), 0.0);
    }

    /**
     * Skipping the masked scores (the products over each block's live columns, the softmax and its backward over each
     * row's live part) against the whole rows: output and both gradients equal bit for bit, Vector API and scalar
     * loops, causal (T = L: a row reads i + 1 keys; T < L: memory keys stay live), input masks (queries with no key
     * left read their whole row), dropout, lengths that end mid-vector and across several row blocks.
     */
    @ParameterizedTest
    @CsvSource({
        "true, false, 0.0, 127, 127, true", "true, false, 0.1, 127, 127, false", "true, true, 0.2, 70, 70, true",
        "true, true, 0.0, 70, 70, false", "false, true, 0.1, 45, 45, true", "true, false, 0.0, 33, 40, true",
        "true, false, 0.1, 16, 16, true", "true, true, 0.0, 5, 9, true", "true, true, 0.1, 127, 127, true", "true, true, 0.0, 100, 127, false"})
    void skippingMaskedScoresKeepsTheBits(boolean causal, boolean masked, double rate, int t, int len, boolean vector) {
        int b = 2, h = 3, dh = 16, n = b * h;
        Tensor qk = GradCheck.rand(81, -2, 2, b, len, h * dh), v = GradCheck.rand(82, -1, 1, b, len, h * dh);
        Tensor w = GradCheck.rand(83, -1, 1, b, t, h * dh);
        boolean[][] m = masked ? mask(n, len) : null;
        FullQkAttentionF32.vector = vector;
        Result[] r = new Result[2];
        for (int k = 0; k < 2; k++) {
            FullQkAttentionF32.skipMasked = k == 0;
            r[k] = run(qk, v, w, DType.F32, x -> FullQkAttention.attendHeads(x[0], x[1], h, t, m, causal, dropout(rate, new long[2])));
        }
        String c = "causal " + causal + ", mask " + masked + ", dropout " + rate + ", T " + t + ", L " + len + ", vector " + vector;
        assertArrayEquals(r[1].out, r[0].out, 0.0, "output (" + c + ")");
        assertArrayEquals(r[1].dqk, r[0].dqk, 0.0, "d qk (" + c + ")");
        assertArrayEquals(r[1].dv, r[0].dv, 0.0, "d v (" + c + ")");
        boolean any = false;
        for (double x : r[0].out) any |= x != 0;
        assertTrue(any, "a non-zero output");
    }

    /**
     * The heads read in place ([B, L, h*dh], output [B, T, h*dh]) against the same op on the heads split into
     * [B*h, L, dh] copies and merged back: output and both gradients equal bit for bit (the same sums in the same
     * order), with masks per row b*h + head, dropout over [B*h, T, L], memory rows (T < L).
     */
    @ParameterizedTest
    @CsvSource({"true, true, 0.2, 33, 40", "false, false, 0.0, 40, 40", "true, false, 0.1, 127, 127", "false, true, 0.0, 29, 35"})
    void headsReadInPlaceEqualTheSplitHeads(boolean causal, boolean masked, double rate, int t, int len) {
        int b = 2, h = 3, dh = 16, n = b * h;
        Tensor qk = GradCheck.rand(71, -1.5, 1.5, b, len, h * dh), v = GradCheck.rand(72, -1, 1, b, len, h * dh);
        Tensor w = GradCheck.rand(73, -1, 1, b, t, h * dh);
        boolean[][] m = masked ? mask(n, len) : null;
        long[] draws = new long[2];
        Result split = run(qk, v, w, DType.F32, x -> {
            Tensor q = x[0].reshape(b, len, h, dh).transpose(1, 2).contiguous().reshape(n, len, dh);
            Tensor vv = x[1].reshape(b, len, h, dh).transpose(1, 2).contiguous().reshape(n, len, dh);
            Tensor o = FullQkAttention.attend(q, vv, t, m, causal, dropout(rate, new long[2]));
            return o.reshape(b, h, t, dh).transpose(1, 2).reshape(b, t, h * dh);
        });
        Result inPlace = run(qk, v, w, DType.F32, x -> {
            Tensor y = FullQkAttention.attendHeads(x[0], x[1], h, t, m, causal, dropout(rate, draws));
            assertEquals("fullQkAttentionF32", y.gradFn().name(), "float32 CPU inputs take the fused op");
            assertArrayEquals(new int[] {b, t, h * dh}, y.shape(), "merged heads");
            return y;
        });
        if (rate > 0) assertEquals(Generator.blocksFor4((long) n * t * len), draws[1], "blocks drawn for [B*h, T, L]");
        String c = "causal " + causal + ", mask " + masked + ", dropout " + rate + ", T " + t + ", L " + len;
        assertArrayEquals(split.out, inPlace.out, 0.0, "output (" + c + ")");
        assertArrayEquals(split.dqk, inPlace.dqk, 0.0, "d qk (" + c + ")");
        assertArrayEquals(split.dv, inPlace.dv, 0.0, "d v (" + c + ")");
        assertEquals(null, FullQkAttention.attendHeads(qk.to(DType.F64), v.to(DType.F64), h, t, m, causal, null), "float64: not covered");
        var e = assertThrows(IllegalArgumentException.class, () -> FullQkAttention.attendHeads(qk.to(DType.F32), v.to(DType.F32), h, t,
                masked ? mask(n + 1, len) : new boolean[n][len - 1], causal, null));
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> FullQkAttention.attendHeads(qk.to(DType.F64), v.to(DType.F64), 5, t,
                null, causal, null));
        assertTrue(e2.getMessage().contains("5 heads") && e2.getMessage().contains("[2, " + len + ", 48]"), e2.getMessage());
    }

    @Test
    void badInputIsRefused() {
        Tensor qk = Tensor.zeros(new int[] {2, 6, 4}, DType.F32, Device.CPU), v = Tensor.zeros(new int[] {2, 5, 4}, DType.F32, Device.CPU);
        var e = assertThrows(IllegalArgumentException.class, () -> FullQkAttention.attend(qk, v, 6, null, false, null));
        assertTrue(e.getMessage().contains("[2, 6, 4]") && e.getMessage().contains("[2, 5, 4]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> FullQkAttention.attend(qk, qk, 7, null, false, null));
        assertTrue(e2.getMessage().contains("query length 7"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FullQkAttention.Dropout(1.5, 0, 0, b -> 0));
    }
}
