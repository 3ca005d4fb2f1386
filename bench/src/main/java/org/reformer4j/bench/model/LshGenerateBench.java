package org.reformer4j.bench.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.model.DecodeCache;
import org.reformer4j.model.ReformerLM;
import org.reformer4j.model.Sampling;
import org.reformer4j.model.TrainingWrapper;

/**
 * Greedy generation with the lsh4k model (reference.json: 256 tokens, dim 256, depth 6, 4 heads, maxSeqLen
 * 4096, bucket 64, 4 rounds, causal) from a prefix of {@code prefix} random tokens: ms/token of the LSH decode
 * cache ({@link ReformerLM#step}, one position per token) against the uncached path (TrainingWrapper.generate
 * without cache: a forward of the whole, padded, sequence per token), alternating round by round in this JVM.
 * Wall time per token, and process CPU time (all threads) per token of each round; the cache's prefill (one
 * step per prefix token, including the re-hashes at each new bucket count) is timed once.
 * Run: java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar
 *     org.reformer4j.bench.model.LshGenerateBench [prefix=4000] [rounds=4] [cachedPerRound=16] [uncachedPerRound=1]
 */
public final class LshGenerateBench {
    private LshGenerateBench() {}

    public static void main(String[] args) throws Exception {
        int prefix = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int cachedPer = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int uncachedPer = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        if (prefix + rounds * cachedPer > 4096 || prefix + uncachedPer > 4096) {
            throw new IllegalArgumentException("LshGenerateBench: prefix " + prefix + " + generated tokens exceed maxSeqLen 4096");
        }
        ReformerLM model = ModelBenchCase.lsh4k(4096, 6);
        model.eval();
        long[] start = ModelBenchCase.sequences(1, prefix, 256, 7).get(0);
        var wrapper = new TrainingWrapper(model, 0, 0);
        List<Double> cachedWall = new ArrayList<>(), cachedCpu = new ArrayList<>(), plainWall = new ArrayList<>(), plainCpu = new ArrayList<>();
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = model.newDecodeCache();
            long c0 = ModelBenchCase.cpuNanos(), t0 = System.nanoTime();
            Tensor logits = null;
            for (long id : start) logits = model.step(Tensor.of(new long[] {id}, 1, 1), cache);
            System.out.printf(Locale.ROOT, "prefill %d tokens: %.1f s wall, %.1f s cpu (%.2f ms/token)%n", prefix, (System.nanoTime() - t0) / 1e9,
                    (ModelBenchCase.cpuNanos() - c0) / 1e9, (System.nanoTime() - t0) / 1e6 / prefix);
            for (int r = 0; r < rounds; r++) {
                // uncached: each token re-runs the padded sequence (4096 positions)
                long u0 = ModelBenchCase.cpuNanos(), w0 = System.nanoTime();
                wrapper.generate(start, uncachedPer, Sampling.topK(0.9).seed(r).useCache(false));
                double w = (System.nanoTime() - w0) / 1e6 / uncachedPer, c = (ModelBenchCase.cpuNanos() - u0) / 1e6 / uncachedPer;
                plainWall.add(w);
                plainCpu.add(c);
                System.out.printf(Locale.ROOT, "round %d uncached: %.1f ms/token wall, %.1f cpu%n", r, w, c);
                long s0 = ModelBenchCase.cpuNanos(); // process CPU time ticks coarsely: taken per round
                for (int i = 0; i < cachedPer; i++) {
                    long v0 = System.nanoTime();
                    long next = argmax(logits.toDoubleArray());
                    logits = model.step(Tensor.of(new long[] {next}, 1, 1), cache);
                    cachedWall.add((System.nanoTime() - v0) / 1e6);
                }
                cachedCpu.add((ModelBenchCase.cpuNanos() - s0) / 1e6 / cachedPer);
                System.out.printf(Locale.ROOT, "round %d cached: median %.2f ms/token wall, %.2f cpu (positions up to %d)%n", r,
                        median(cachedWall.subList(cachedWall.size() - cachedPer, cachedWall.size())), cachedCpu.getLast(), cache.length());
            }
        }
        double cw = median(cachedWall), pw = median(plainWall);
        System.out.printf(Locale.ROOT, "RESULT cached_ms_per_token=%.3f cached_cpu_ms=%.3f uncached_ms_per_token=%.1f uncached_cpu_ms=%.1f "
                        + "speedup_wall=%.0f cached_tokens=%d uncached_tokens=%d prefix=%d peak_rss_mib=%.0f%n", cw, median(cachedCpu), pw,
                median(plainCpu), pw / cw, cachedWall.size(), plainWall.size(), prefix, ModelBenchCase.vmHwmMib());
    }

    private static long argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private static double median(List<Double> v) {
        return ModelBenchCase.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
