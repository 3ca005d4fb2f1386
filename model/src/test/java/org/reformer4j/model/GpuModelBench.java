package org.reformer4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.reformer4j.core.Backends;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.core.random.Generator;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.kernels.backend.CudaBackend;

/**
 * GPU benchmark of whole training steps, for native/gpu-check.sh: the configurations of
 * {@code shared/bench/reference.json} (seed_train: 12 layers, dim 128, 8 x 128 tokens; lsh4k_train: 6 layers,
 * dim 256, 4096 tokens, 4 hashes; and the same at 16384 tokens) on cuda:0, each step being the
 * TrainingWrapper loss, the reversible backward and Adam inside a Scope, ended by reading the loss (which
 * waits for the device); seed_generate: 100 cached tokens from one start token (ms/token); lsh4k_generate: a 4000-token
 * prompt filled into the LSH decode cache by one forward, then 50 cached tokens (ms/token; the fill's seconds in the config
 * column). Prints the median and minimum seconds per step and the device memory the caching
 * allocator holds after the steps (in use + cached: the pool never shrinks, so this is the step's
 * high-water mark). Without a GPU it prints why and exits 0.
 * <pre>
 * java -Dreformer4j.cuda.emulate=false -cp ... org.reformer4j.model.GpuModelBench [config ...]
 * </pre>
 */
public final class GpuModelBench {
    private GpuModelBench() {}

    public static void main(String[] args) {
        CudaProbe p = CudaRuntimes.probe();
        boolean emulated = Boolean.getBoolean("reformer4j.cuda.emulate"); // a check of this bench itself, without a GPU
        if (!p.available() && !emulated) {
            System.out.println("model bench skipped: " + p.reason());
            return;
        }
        Device cuda = new Device("cuda", 0);
        CudaRuntime rt = ((CudaBackend) Backends.of(cuda)).runtime();
        String name = emulated ? rt.description() : p.deviceName();
        List<String> configs = args.length > 0 ? List.of(args) : List.of("seed_train", "lsh4k_train", "lsh4k_train_seq16384");
        System.out.println("| device | config | steps | median s/step | min s/step | device pool MiB | launches/step | loss |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (String c : configs) {
            try {
                switch (c) {
                    case "tiny" -> train(name, rt, cuda, c, ReformerLM.builder().numTokens(50).dim(16).depth(2).heads(2)
                            .bucketSize(4).nHashes(2).maxSeqLen(32).causal(true).seed(1).build(), 2, 32, 2, 1);
                    case "seed_train" -> train(name, rt, cuda, c, seed(), 8, 128, 10, 3);
                    case "lsh4k_train" -> train(name, rt, cuda, c, lsh4k(4096, 6), 1, 4097, 5, 2);
                    case "lsh4k_train_seq16384" -> train(name, rt, cuda, c, lsh4k(16384, 6), 1, 16385, 3, 1);
                    case "lsh4k_train_seq65536" -> train(name, rt, cuda, c, lsh4k(65536, 6), 1, 65537, 2, 1);
                    case "seed_generate" -> generate(name, rt, cuda, c, seed(), 5, 2);
                    case "lsh4k_generate" -> generateLong(name, rt, cuda, c, lsh4k(4096, 6), 4000, 50, 2, 1);
                    default -> throw new IllegalArgumentException("unknown config " + c);
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                System.out.println("| " + name + " | " + c + " | failed: " + e + " | | | | | |");
                e.printStackTrace(System.out);
            }
            rt.emptyCache();
        }
    }

    static ReformerLM seed() {
        return ReformerLM.builder().numTokens(21128).dim(128).depth(12).maxSeqLen(128).lshDropout(0.1).causal(true)
                .fullAttnThres(128).seed(1).build();
    }

    static ReformerLM lsh4k(int seqLen, int depth) {
        return ReformerLM.builder().numTokens(256).dim(256).depth(depth).heads(4).maxSeqLen(seqLen).bucketSize(64).nHashes(4)
                .causal(true).seed(1).build();
    }

    private static void train(String device, CudaRuntime rt, Device cuda, String config, ReformerLM model, int batch, int len,
            int steps, int warmup) {
        steps = Integer.getInteger("bench.steps", steps); // -Dbench.steps / -Dbench.warmup override the counts
        warmup = Integer.getInteger("bench.warmup", warmup);
        long t0 = System.nanoTime();
        model.to(cuda);
        model.train();
        var wrapper = new TrainingWrapper(model, 0, 0);
        var opt = new Adam(model.parameters(), 1e-4);
        double[] times = new double[steps];
        long launches = 0;
        double loss = Double.NaN;
        System.out.printf(Locale.ROOT, "%s: model on %s in %.2f s%n", config, cuda, (System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < warmup + steps; i++) {
            Tensor[] b = batch(batch, len, model.config().numTokens, 100 + i, cuda);
            long s0 = System.nanoTime(), l0 = rt.launches();
            try (var s = Scope.open()) {
                Tensor l = wrapper.forward(b[0], b[1], null).loss();
                l.backward();
                opt.step();
                opt.zeroGrad();
                loss = l.item(); // waits for the device
            }
            double sec = (System.nanoTime() - s0) / 1e9;
            if (i >= warmup) times[i - warmup] = sec;
            launches = rt.launches() - l0;
            System.out.printf(Locale.ROOT, "%s step %d: %.4f s loss %.4f%n", config, i, sec, loss);
        }
        printHistogram(rt, config, warmup + steps);
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2;
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.4f | %.4f | %.0f | %d | %.4f |%n", device, config, steps, median,
                sorted[0], (rt.bytesInUse() + rt.bytesCached()) / 1048576.0, launches, loss);
    }

    /**
     * The generation row on the device: 100 tokens from one start token, top-k by filterThres 0.9, with the
     * decode cache (TrainingWrapper.generate's default); the time per generated token (the sampled ids come back to
     * the host each token), as median and minimum ms/token over {@code runs} in the table's s/step columns' places.
     */
    private static void generate(String device, CudaRuntime rt, Device cuda, String config, ReformerLM model, int runs, int warmup) {
        runs = Integer.getInteger("bench.steps", runs);
        warmup = Integer.getInteger("bench.warmup", warmup);
        model.to(cuda);
        model.eval();
        var wrapper = new TrainingWrapper(model, 0, 0);
        double[] ms = new double[runs];
        long launches = 0;
        int tokens = 0;
        for (int i = 0; i < warmup + runs; i++) {
            long t0 = System.nanoTime(), l0 = rt.launches();
            long[] out = wrapper.generate(new long[] {101}, 100, Sampling.topK(0.9).seed(i));
            double perToken = (System.nanoTime() - t0) / 1e6 / out.length;
            tokens = out.length;
            launches = (rt.launches() - l0) / out.length;
            if (i >= warmup) ms[i - warmup] = perToken;
            System.out.printf(Locale.ROOT, "%s run %d: %.3f ms/token (%d tokens)%n", config, i, perToken, out.length);
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %s (ms/token, %d tokens) | %d | %.3f | %.3f | %.0f | %d | - |%n", device, config, tokens,
                runs, sorted[runs / 2], sorted[0], (rt.bytesInUse() + rt.bytesCached()) / 1048576.0, launches);
    }

    /**
     * A prompt of {@code prompt} tokens filled into the LSH decode cache by one forward, then {@code tokens} cached
     * tokens: the fill (generate 1 token) and the per-token time of the rest (generate 1 + tokens, minus the fill),
     * medians over {@code runs} after {@code warmup}.
     */
    private static void generateLong(String device, CudaRuntime rt, Device cuda, String config, ReformerLM model, int prompt, int tokens,
                                     int runs, int warmup) {
        model.to(cuda);
        model.eval();
        var wrapper = new TrainingWrapper(model, 0, 0);
        long[] start = new long[prompt];
        for (int i = 0; i < prompt; i++) start[i] = 1 + (i * 7L) % (model.config().numTokens - 1);
        double[] fill = new double[runs], per = new double[runs];
        long launches = 0;
        for (int i = 0; i < warmup + runs; i++) {
            long t0 = System.nanoTime();
            wrapper.generate(start, 1, Sampling.topK(0.9).seed(i));
            long t1 = System.nanoTime(), l0 = rt.launches();
            long[] out = wrapper.generate(start, 1 + tokens, Sampling.topK(0.9).seed(i));
            long t2 = System.nanoTime();
            double f = (t1 - t0) / 1e9, pt = ((t2 - t1) / 1e9 - f) * 1e3 / (out.length - 1);
            launches = (rt.launches() - l0) / out.length;
            if (i >= warmup) {
                fill[i - warmup] = f;
                per[i - warmup] = pt;
            }
            System.out.printf(Locale.ROOT, "%s run %d: fill %d tokens %.3f s, then %.3f ms/token (%d tokens)%n", config, i, prompt, f, pt, out.length - 1);
        }
        Arrays.sort(fill);
        Arrays.sort(per);
        System.out.printf(Locale.ROOT, "| %s | %s (ms/token after a %d-token fill of %.3f s) | %d | %.3f | %.3f | %.0f | %d | - |%n", device, config,
                prompt, fill[runs / 2], runs, per[runs / 2], per[0], (rt.bytesInUse() + rt.bytesCached()) / 1048576.0, launches);
    }

    /** With -Dreformer4j.cuda.launchHistogram=true: the kernels launched most, per step, since the last call. */
    private static void printHistogram(CudaRuntime rt, String config, int stepsRun) {
        var h = rt.launchHistogram();
        if (h.isEmpty()) return;
        java.util.Map<String, Long> since = new java.util.HashMap<>(h);
        lastHistogram.forEach((k, v) -> since.merge(k, -v, Long::sum));
        lastHistogram = h;
        System.out.printf(Locale.ROOT, "%s launches per step by kernel (mean over %d steps):%n", config, stepsRun);
        since.entrySet().stream().filter(e -> e.getValue() > 0).sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .limit(25).forEach(e -> System.out.printf(Locale.ROOT, "  %8.1f %s%n", e.getValue() / (double) stepsRun, e.getKey()));
    }

    private static java.util.Map<String, Long> lastHistogram = java.util.Map.of();

    /** Input and target ids [batch, len - 1] on the device (copied over before the step is timed); never 0, the padding id. */
    private static Tensor[] batch(int batch, int len, int vocab, long seed, Device cuda) {
        Generator g = new Generator(seed, 0);
        double[] u = new double[batch * len];
        g.uniform(u);
        long[] xi = new long[batch * (len - 1)], xo = new long[batch * (len - 1)];
        for (int r = 0; r < batch; r++) {
            for (int j = 0; j < len - 1; j++) {
                xi[r * (len - 1) + j] = 1 + (long) (u[r * len + j] * (vocab - 1));
                xo[r * (len - 1) + j] = 1 + (long) (u[r * len + j + 1] * (vocab - 1));
            }
        }
        List<Tensor> out = new ArrayList<>();
        out.add(Tensor.of(xi, batch, len - 1).to(cuda));
        out.add(Tensor.of(xo, batch, len - 1).to(cuda));
        return out.toArray(Tensor[]::new);
    }
}
