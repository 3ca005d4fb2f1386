package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;

/**
 * The public LSH golden fixtures (../shared/data/golden: lsh_causal, lsh_noncausal, lsh_causal_autopad; every
 * fixture with {@code -Dreformer4j.test.deviceFixtures=all}, about 7 minutes on the emulator) with the model
 * on cuda:0 - the CUDA emulator in CI (surefire execution {@code on-emulated-device}), the GPU
 * where one is present - so that embeddings, linear layers, layer norms, the LSH kernels (hash, sort,
 * chunked attention forward and backward), the reversible recompute, cross entropy and Adam all run on the
 * device: buckets exactly, logits, loss, every parameter gradient and the parameters after one Adam step
 * against the fixture's float32 reference. Tolerances: the device sums in another order than torch's CPU
 * kernels, so agreement is to float32 rounding of the values' scale (README: the self-only windows of
 * causal LSH are themselves float32 noise of up to 6e-4, reproduced here because the kernels round the
 * per-round logsumexp in float32 as torch does).
 */
public class ReformerGoldenOnDeviceTest {
    public static final Device CUDA = new Device("cuda", 0);

    /** Skips (with the reason) where no CUDA device opens: surefire's on-emulated-device execution opens the emulator. */
    @org.junit.jupiter.api.BeforeAll
    public static void assumeDevice() {
        String why = "";
        try {
            org.reformer4j.core.Backends.of(CUDA);
        } catch (IllegalStateException e) {
            why = e.getMessage();
        }
        Assumptions.assumeTrue(why.isEmpty(), "no CUDA device for the model: " + why);
    }

    /** The fixtures to run: the three public LSH ones, or every fixture folder when the property says "all". */
    static java.util.stream.Stream<String> fixtures() throws IOException {
        if (!"all".equals(System.getProperty("reformer4j.test.deviceFixtures")))
            return java.util.stream.Stream.of("lsh_causal", "lsh_noncausal", "lsh_causal_autopad");
        return GoldenFixture.all().stream().map(GoldenFixture::name);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fixtureOnDevice(String name) throws IOException {
        GoldenFixture f = fixture(name);
        ReformerLM model = ReformerGoldenTest.model(f, DType.F32);
        model.to(CUDA);
        for (Parameter p : model.parameters()) assertEquals(CUDA, p.tensor().device(), "parameter device");
        var wrapper = new TrainingWrapper(model, ((Number) f.map("wrapper_kwargs").get("ignore_index")).longValue(),
                ((Number) f.map("wrapper_kwargs").get("pad_value")).longValue());
        Recorder rec = new Recorder();
        var out = wrapper.forward(f.inputSequences(), rec);
        assertEquals(CUDA, out.logits().device(), "logits device");
        assertEquals(CUDA, out.loss().device(), "loss device");
        Map<String, Tensor> rot = f.has("rotations.safetensors") ? f.tensors("rotations.safetensors") : Map.of();
        for (int d = 0; rot.containsKey("layers." + d + ".buckets"); d++) {
            long[] want = rot.get("layers." + d + ".buckets").toLongArray();
            int[][] got = rec.buckets(d);
            assertNotNull(got, name + ": layer " + d + " recorded no buckets");
            int w = got[0].length;
            for (int r = 0; r < got.length; r++)
                for (int j = 0; j < w; j++)
                    assertEquals(want[r * w + j], got[r][j], name + ": bucket of layer " + d + " row " + r + " item " + j);
        }
        Map<String, Tensor> io = f.tensors("io.safetensors");
        double logitErr = ReformerGoldenTest.maxAbsDiff(out.logits(), io.get("logits"));
        double lossErr = Math.abs(out.loss().item() - io.get("loss").item());
        out.loss().backward();
        Map<String, Tensor> grads = f.tensors("grads.safetensors");
        Map<String, Parameter> params = model.namedParameters();
        double gradErr = 0;
        String worst = "";
        for (var e : params.entrySet()) {
            Tensor got = e.getValue().grad();
            assertNotNull(got, name + ": no gradient for " + e.getKey());
            assertEquals(CUDA, got.device(), "gradient device of " + e.getKey());
            double err = ReformerGoldenTest.maxAbsDiff(got, grads.get(e.getKey()));
            if (err > gradErr) {
                gradErr = err;
                worst = e.getKey();
            }
        }
        Map<String, double[]> ours = new java.util.HashMap<>();
        for (var e : params.entrySet()) ours.put(e.getKey(), e.getValue().grad().toDoubleArray());
        new Adam(model.parameters(), 1e-3).step();
        // first Adam step: p -= lr g / (|g| + eps); where |g| is near eps the float32 noise in g moves the update,
        // so each element is allowed that sensitivity (from both gradients) on top of rounding
        Map<String, Tensor> after = f.tensors("params_after_adam.safetensors");
        double adamErr = 0;
        for (var e : params.entrySet()) {
            assertEquals(CUDA, e.getValue().tensor().device(), "parameter device after Adam");
            double[] got = e.getValue().tensor().toDoubleArray(), want = after.get(e.getKey()).toDoubleArray();
            double[] g0 = ours.get(e.getKey()), g1 = grads.get(e.getKey()).toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                double slack = 1e-3 * Math.abs(g0[i] / (Math.abs(g0[i]) + 1e-8) - g1[i] / (Math.abs(g1[i]) + 1e-8));
                adamErr = Math.max(adamErr, Math.abs(got[i] - want[i]) - slack);
            }
        }
        System.out.printf("%-24s on %s: logits %.3e  loss %.3e  grads %.3e (worst %s)  adam %.3e%n", name, CUDA, logitErr,
                lossErr, gradErr, worst, adamErr);
        assertTrue(logitErr <= 1e-5, name + ": logits differ by " + logitErr);
        assertTrue(lossErr <= 5e-6, name + ": loss differs by " + lossErr);
        assertTrue(gradErr <= 2e-7, name + ": gradient of " + worst + " differs by " + gradErr);
        assertTrue(adamErr <= 5e-7, name + ": parameters after Adam differ by " + adamErr);
    }

    static GoldenFixture fixture(String name) throws IOException {
        java.nio.file.Path dir = GoldenFixture.root().resolve(name);
        Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(dir.resolve("config.json")),
                "golden fixture " + name + " not found at " + dir.toAbsolutePath() + " (set -Dreformer4j.shared)");
        return GoldenFixture.load(dir);
    }
}
