package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.core.io.Json;
import org.reformer4j.core.io.SafeTensors;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * The Reformer kernels on reformer-pytorch's golden fixtures (../shared/data/golden, README 4.-5., 13., 15.,
 * 19.): each LSH layer's input x2 (layer 0: the token embedding; layer 1: y2 of block 0's output) through
 * the PreNorm LayerNorm and toqk/tov (memory slots appended, one value head repeated); then
 * lsh_hash.cu with the saved rotations must give the saved buckets exactly, and lsh_attention_forward.cu
 * (emulated) with those buckets, the input mask and the rotary table, projected by to_out, must give the
 * attention branch {@code blocks.<d>.f_out}. Skipped when the shared folder is absent.
 */
class LshGoldenTest {
    static final List<String> FIXTURES = List.of("lsh_causal", "lsh_noncausal", "lsh_causal_autopad", "opt_mem_kv",
            "opt_no_attend_across_buckets", "opt_no_attend_across_buckets_noncausal", "opt_one_value_head",
            "opt_axial_pos_emb", "opt_weight_tie", "opt_ff_glu");

    static Path golden() {
        String shared = System.getProperty("reformer4j.shared");
        Path base = shared != null && !shared.isBlank() ? Path.of(shared) : Path.of("..", "shared");
        return base.resolve("data").resolve("golden");
    }

    static List<String> fixtures() {
        return FIXTURES;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    @SuppressWarnings("unchecked")
    void bucketsAndAttentionMatchTheFixture(String name) throws IOException {
        Path dir = golden().resolve(name);
        assumeTrue(Files.isRegularFile(dir.resolve("rotations.safetensors")),
                "golden fixture " + dir.toAbsolutePath() + " not found (set -Dreformer4j.shared)");
        Map<String, Object> config = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("config.json")));
        Map<String, Object> kw = (Map<String, Object>) config.get("model_kwargs");
        Map<String, Object> lshAttrs = (Map<String, Object>) config.getOrDefault("post_construction_lsh_attn_attributes", Map.of());
        int heads = num(kw, "heads", 8), dh = num(kw, "dim_head", 64), bs = num(kw, "bucket_size", 64);
        int hashes = num(kw, "n_hashes", 1), mem = num(kw, "num_mem_kv", 0), dim = num(kw, "dim", 0);
        boolean causal = Boolean.TRUE.equals(kw.get("causal")), oneValueHead = Boolean.TRUE.equals(kw.get("one_value_head"));
        boolean across = !Boolean.FALSE.equals(lshAttrs.get("_attend_across_buckets"));
        try (SafeTensors params = SafeTensors.open(dir.resolve("params.safetensors"));
                SafeTensors inter = SafeTensors.open(dir.resolve("intermediates.safetensors"));
                SafeTensors io = SafeTensors.open(dir.resolve("io.safetensors"));
                SafeTensors rots = SafeTensors.open(dir.resolve("rotations.safetensors"))) {
            long[] es = inter.shape("embed");
            int b = (int) es[0], t = (int) es[1], len = t + mem, rows = b * heads;
            boolean rotary = params.contains("layer_pos_emb.inv_freq");
            float[][] table = rotary ? LshTables.rotary(t, dh) : new float[2][];
            if (rotary) assertArrayEquals(params.floats("layer_pos_emb.inv_freq"), inverseFrequencies(dh), "inv_freq");
            boolean[] mask = io.contains("input_mask") ? expandMask(io.bools("input_mask"), b, t, mem, heads) : null;
            LshConfig cfg = new LshConfig(rows, len, t, dh, hashes, bs, causal, across, true);
            for (int d = 0; d < 2; d++) {
                String at = name + " layer " + d, p = "reformer.layers.blocks." + d + ".f.net.";
                float[] x2;
                if (d == 0) {
                    if (params.contains("pos_emb.weights_0") || dim != (int) es[2]) continue;  // x2 is not the embedding
                    x2 = inter.floats("embed");
                } else {
                    float[] out0 = inter.floats("blocks.0.out");
                    x2 = new float[b * t * dim];
                    for (int r = 0; r < b * t; r++) System.arraycopy(out0, r * 2 * dim + dim, x2, r * dim, dim);
                }
                double[] xn = layerNorm(x2, params.floats(p + "norm.weight"), params.floats(p + "norm.bias"), b * t, dim);
                if (mem > 0) xn = appendMemory(xn, params.floats(p + "fn.mem_kv"), b, t, mem, dim);
                float[] qk = heads(project(xn, params.floats(p + "fn.toqk.weight"), b * len, dim, heads * dh), b, len, heads, dh, false);
                float[] v = heads(project(xn, params.floats(p + "fn.tov.weight"), b * len, dim, oneValueHead ? dh : heads * dh),
                        b, len, heads, dh, oneValueHead);
                // hashing: the saved rotations give the saved buckets
                long[] rs = rots.shape("layers." + d + ".rotations");
                float[] rot = rots.floats("layers." + d + ".rotations");
                int[] want = rots.ints("layers." + d + ".buckets");
                assertEquals(rows * hashes * len, want.length, at + " buckets size");
                Near.exact(at + " buckets (twin)", want, LshHashCpu.hash(qk, rot, rs[0] != 1, rows, len, dh, hashes, cfg.buckets()));
                CudaRuntime rt = Devices.get("emulator");
                try (DeviceBuffer dq = rt.upload(qk); DeviceBuffer dr = rt.upload(rot); DeviceBuffer db = rt.allocate(4L * want.length)) {
                    LshHash.hash(rt, dq, dr, rs[0] != 1, db, rows, len, dh, hashes, cfg.buckets(), LshHash.VERSIONS);
                    Near.exact(at + " buckets (emulated lsh_hash v" + LshHash.VERSIONS + ")", want, rt.downloadInts(db, want.length));
                }
                // attention: f_out = to_out(attention) + bias
                LshTables tables = LshTables.sorted(cfg, want, mask, table[0], table[1]);
                float[] fOut = inter.floats("blocks." + d + ".f_out");
                float[] wOut = params.floats(p + "fn.to_out.weight"), bOut = params.floats(p + "fn.to_out.bias");
                // float32 agreement with torch's float32, causal included: the float32 round mix reproduces the
                // self-only-window weights (0.500871 for 0.5, golden README tolerances) as torch computes them
                double tol = 2e-6;
                double[] twin = LshAttentionForwardCpu.forward(cfg, tables, qk, v).out();
                Near.close(at + " f_out (twin)", Near.widen(fOut), toOut(twin, wOut, bOut, b, t, heads, dh, dim), tol, 0);
                try (LshDeviceTables dt = LshDeviceTables.upload(rt, tables); DeviceBuffer dq = rt.upload(qk); DeviceBuffer dv = rt.upload(v);
                        DeviceBuffer out = rt.allocate(4L * rows * t * dh); LshAttentionForward.Saved saved = LshAttentionForward.Saved.allocate(rt, cfg)) {
                    LshAttentionForward.forward(rt, cfg, dt, dq, dv, out, saved, 1);
                    double[] dev = Near.widen(rt.downloadFloats(out, rows * t * dh));
                    Near.close(at + " f_out (emulated kernel)", Near.widen(fOut), toOut(dev, wOut, bOut, b, t, heads, dh, dim), tol, 0);
                }
            }
        }
    }

    private static int num(Map<String, Object> kw, String key, int dflt) {
        Object v = kw.get(key);
        return v == null ? dflt : ((Number) v).intValue();
    }

    /** reformer-pytorch's inv_freq in float32: 1 / 10000^(arange(0, dh, 2) / dh). */
    private static float[] inverseFrequencies(int dh) {
        float[] f = new float[dh / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / (float) Math.pow(10000.0, (float) (2 * i) / (float) dh));
        return f;
    }

    /** [B, T] (+ m memory columns kept) -> [N = B*h, L]. */
    private static boolean[] expandMask(boolean[] m, int b, int t, int mem, int heads) {
        int len = t + mem;
        boolean[] out = new boolean[b * heads * len];
        for (int bb = 0; bb < b; bb++)
            for (int h = 0; h < heads; h++)
                for (int p = 0; p < len; p++) out[(bb * heads + h) * len + p] = p >= t || m[bb * t + p];
        return out;
    }

    /** LayerNorm over the last dim (eps 1e-5, biased variance) in float64. */
    private static double[] layerNorm(float[] x, float[] w, float[] bias, int rows, int dim) {
        double[] y = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < dim; j++) mean += x[r * dim + j];
            mean /= dim;
            for (int j = 0; j < dim; j++) var += (x[r * dim + j] - mean) * (x[r * dim + j] - mean);
            double rs = 1 / Math.sqrt(var / dim + 1e-5);
            for (int j = 0; j < dim; j++) y[r * dim + j] = (x[r * dim + j] - mean) * rs * w[j] + bias[j];
        }
        return y;
    }

    private static double[] appendMemory(double[] xn, float[] mem, int b, int t, int m, int dim) {
        double[] y = new double[b * (t + m) * dim];
        for (int bb = 0; bb < b; bb++) {
            System.arraycopy(xn, bb * t * dim, y, bb * (t + m) * dim, t * dim);
            for (int e = 0; e < m * dim; e++) y[(bb * (t + m) + t) * dim + e] = mem[e];
        }
        return y;
    }

    /** x [rows, in] @ W^T (W [out, in]) in float64. */
    private static double[] project(double[] x, float[] w, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    /** [B, L, h*dh] -> [N = B*h, L, dh] in float32 (row n = b*h + head); one value head: the same for every head. */
    private static float[] heads(double[] y, int b, int len, int heads, int dh, boolean shared) {
        float[] out = new float[b * heads * len * dh];
        int width = shared ? dh : heads * dh;
        for (int bb = 0; bb < b; bb++)
            for (int h = 0; h < heads; h++)
                for (int p = 0; p < len; p++)
                    for (int f = 0; f < dh; f++)
                        out[((bb * heads + h) * len + p) * dh + f] = (float) y[(bb * len + p) * width + (shared ? 0 : h * dh) + f];
        return out;
    }

    /** [N, T, dh] -> [B, T, h*dh] @ to_out^T + bias -> [B, T, dim]. */
    private static double[] toOut(double[] att, float[] w, float[] bias, int b, int t, int heads, int dh, int dim) {
        double[] y = new double[b * t * dim];
        for (int bb = 0; bb < b; bb++)
            for (int p = 0; p < t; p++)
                for (int o = 0; o < dim; o++) {
                    double s = bias[o];
                    for (int h = 0; h < heads; h++)
                        for (int f = 0; f < dh; f++) s += att[((bb * heads + h) * t + p) * dh + f] * w[o * heads * dh + h * dh + f];
                    y[(bb * t + p) * dim + o] = s;
                }
        return y;
    }
}
