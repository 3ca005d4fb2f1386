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
 * Wall time per token, and process CPU time (all threads) per token of each round. The prompt's prefill is timed
 * both ways, alternating {@code prefills} times in this JVM before the generation: one forward over the prompt
 * ({@link ReformerLM#prefill}, what generation runs) and one step per prompt token (the way before it, including
 * the re-hashes at each new bucket count); generation goes on from the last forward-filled cache.
 * Run: java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar
 *     org.reformer4j.bench.model.LshGenerateBench [prefix=4000] [rounds=4] [cachedPerRound=16] [uncachedPerRound=1] [prefills=2]
 */
public final class LshGenerateBench {
    private LshGenerateBench() {}

    public static void main(String[] args) throws Exception {
        int prefix = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int cachedPer = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int uncachedPer = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int prefills = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        if (prefills < 1) throw new IllegalArgumentException("LshGenerateBench: prefills must be >= 1, got " + prefills);
        if (prefix + rounds * cachedPer > 4096 || prefix + uncachedPer > 4096) {
            throw new IllegalArgumentException("LshGenerateBench: prefix " + prefix + " + generated tokens exceed maxSeqLen 4096");
        }
        ReformerLM model = ModelBenchCase.lsh4k(4096, 6);
        model.eval();
        long[] start = ModelBenchCase.sequences(1, prefix, 256, 7).get(0);
        var wrapper = new TrainingWrapper(model, 0, 0);
        List<Double> cachedWall = new ArrayList<>(), cachedCpu = new ArrayList<>(), plainWall = new ArrayList<>(), plainCpu = new ArrayList<>();
        List<Double> fwdWall = new ArrayList<>(), fwdCpu = new ArrayList<>(), stepWall = new ArrayList<>(), stepCpu = new ArrayList<>();
        try (var ng = GradMode.noGrad()) {
            DecodeCache cache = null;
            Tensor logits = null;
            for (int r = 0; r < prefills; r++) {
                // one forward over the prompt
                cache = model.newDecodeCache();
                long c0 = ModelBenchCase.cpuNanos(), t0 = System.nanoTime();
                logits = model.prefill(Tensor.of(start, 1, prefix), cache);
                fwdWall.add((System.nanoTime() - t0) / 1e9);
                fwdCpu.add((ModelBenchCase.cpuNanos() - c0) / 1e9);
                // one step per prompt token
                DecodeCache stepped = model.newDecodeCache();
                Tensor last = null;
                c0 = ModelBenchCase.cpuNanos();
                t0 = System.nanoTime();
                for (long id : start) last = model.step(Tensor.of(new long[] {id}, 1, 1), stepped);
                stepWall.add((System.nanoTime() - t0) / 1e9);
                stepCpu.add((ModelBenchCase.cpuNanos() - c0) / 1e9);
                System.out.printf(Locale.ROOT, "prefill %d tokens, round %d: one forward %.2f s wall, %.2f s cpu; per position %.1f s wall, "
                        + "%.1f s cpu (%.2f ms/token); first-token argmax %d vs %d%n", prefix, r, fwdWall.getLast(), fwdCpu.getLast(),
                        stepWall.getLast(), stepCpu.getLast(), stepWall.getLast() * 1e3 / prefix, argmax(logits.toDoubleArray()),
                        argmax(last.toDoubleArray()));
            }
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
                        + "speedup_wall=%.0f cached_tokens=%d uncached_tokens=%d prefix=%d prefill_forward_s=%.2f prefill_forward_cpu_s=%.2f "
                        + "prefill_steps_s=%.1f prefill_steps_cpu_s=%.1f prefills=%d peak_rss_mib=%.0f%n", cw, median(cachedCpu), pw,
                median(plainCpu), pw / cw, cachedWall.size(), plainWall.size(), prefix, median(fwdWall), median(fwdCpu), median(stepWall),
                median(stepCpu), prefills, ModelBenchCase.vmHwmMib());
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
