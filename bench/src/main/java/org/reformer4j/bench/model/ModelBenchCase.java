package org.reformer4j.bench.model;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.reformer4j.core.Scope;
import org.reformer4j.core.cpu.Sgemm;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.ReformerLM;
import org.reformer4j.model.Sampling;
import org.reformer4j.model.TrainingWrapper;

/**
 * One configuration of {@link ModelBench}, run in the child JVM: builds the model of reference.json's
 * {@code configs} entry, times training steps (TrainingWrapper loss, backward, Adam, inside a Scope) or
 * cached generation, and prints one {@code RESULT key=value ...} line with the median, the peak RSS
 * (VmHWM), the largest heap in use after a collection (live data plus what an old generation had not yet
 * collected), the parameter count and the bytes allocated per step (all threads).
 */
final class ModelBenchCase {
    /**
     * Whether each step runs inside a {@link Scope} (as a training loop should); -Dbench.scope=false to compare. The
     * models take -Dbench.reverseThres (default 0) as their reverseThres: the irreversible path, to measure it.
     */
    private static final boolean SCOPE = Boolean.parseBoolean(System.getProperty("bench.scope", "true"));

    private ModelBenchCase() {}

    static ReformerLM seedModel() {
        return ReformerLM.builder().numTokens(21128).dim(128).depth(12).maxSeqLen(128).lshDropout(0.1).causal(true)
                .fullAttnThres(128).seed(1).reverseThres(Integer.getInteger("bench.reverseThres", 0)).build();
    }

    static ReformerLM lsh4k(int seqLen, int depth) {
        return ReformerLM.builder().numTokens(256).dim(256).depth(depth).heads(4).maxSeqLen(seqLen).bucketSize(64).nHashes(4)
                .causal(true).seed(1).reverseThres(Integer.getInteger("bench.reverseThres", 0)).build();
    }

    /** The most heap in use right after a collection in this JVM so far, bytes (the live data's high-water mark, roughly). */
    private static final java.util.concurrent.atomic.AtomicLong PEAK_AFTER_GC = new java.util.concurrent.atomic.AtomicLong();

    /** Listens to every collection's end and keeps the largest heap in use after one (all heap pools together). */
    private static void watchCollections() {
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((javax.management.NotificationEmitter) gc).addNotificationListener((n, hb) -> {
                var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
                long used = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (isHeap(e.getKey())) used += e.getValue().getUsed();
                }
                PEAK_AFTER_GC.accumulateAndGet(used, Math::max);
            }, n -> n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION), null);
        }
    }

    private static boolean isHeap(String pool) {
        for (var p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().equals(pool)) return p.getType() == java.lang.management.MemoryType.HEAP;
        }
        return false;
    }

    static void run(String config, int steps, int warmup) throws Exception {
        watchCollections();
        switch (config) {
            case "seed_train", "seed_train_kept" -> train(config, seedModel(), 8, 128, steps, warmup);
            case "seed_generate" -> generate(config, seedModel(), steps, warmup);
            case "lsh4k_train", "lsh4k_train_kept" -> train(config, lsh4k(4096, 6), 1, 4097, Math.min(steps, 5), Math.min(warmup, 1));
            case "lsh4k_train_seq16384" -> train(config, lsh4k(16384, 6), 1, 16385, Math.min(steps, 2), Math.min(warmup, 1));
            case "lsh4k_train_depth1" -> train(config, lsh4k(4096, 1), 1, 4097, Math.min(steps, 2), Math.min(warmup, 1));
            case "lsh4k_train_depth12" -> train(config, lsh4k(4096, 12), 1, 4097, Math.min(steps, 2), Math.min(warmup, 1));
            default -> throw new IllegalArgumentException("ModelBench: unknown config " + config);
        }
    }

    /** Sequences of {@code len} tokens of the model's vocabulary (never 0, the padding id). */
    static List<long[]> sequences(int count, int len, int vocab, long seed) {
        Generator g = new Generator(seed, 0);
        double[] u = new double[count * len];
        g.uniform(u);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long[] s = new long[len];
            for (int j = 0; j < len; j++) s[j] = 1 + (long) (u[i * len + j] * (vocab - 1));
            out.add(s);
        }
        return out;
    }

    private static void train(String config, ReformerLM model, int batch, int len, int steps, int warmup) throws Exception {
        var wrapper = new TrainingWrapper(model, 0, 0);
        var opt = new Adam(model.parameters(), 1e-4);
        model.train();
        double[] times = new double[steps], cpu = new double[steps];
        long alloc = 0, flops = 0;
        double loss = Double.NaN;
        // warm-up: the given steps, and at least TRAIN_WARMUP_NANOS (the seed step's 2nd and 3rd steps still ran at
        // ~1.07 s while C2 compiled, against 0.81-0.92 s from the 4th on)
        long warmStart = System.nanoTime();
        int warm = warmup;
        for (int i = 0; i < warm + steps; i++) {
            if (i == warm - 1 && System.nanoTime() - warmStart < TRAIN_WARMUP_NANOS) warm++;
            List<long[]> seqs = sequences(batch, len, model.config().numTokens, 100 + i);
            if (i == warm) Sgemm.resetShapes(); // the per-shape table (-Dreformer4j.sgemm.shapes) covers the timed steps only
            long a0 = allocatedBytes(), c0 = cpuNanos(), f0 = Sgemm.countedFlops(), t0 = System.nanoTime();
            try (var s = SCOPE ? Scope.open() : null) {
                var l = wrapper.loss(seqs);
                l.backward();
                opt.step();
                opt.zeroGrad();
                loss = l.item();
            }
            long t1 = System.nanoTime();
            if (i >= warm) {
                times[i - warm] = (t1 - t0) / 1e9;
                cpu[i - warm] = (cpuNanos() - c0) / 1e9;
                alloc += allocatedBytes() - a0;
                flops += Sgemm.countedFlops() - f0;
            }
            System.out.printf(Locale.ROOT, "%s %d: %.3f s loss %.4f%n", i < warm ? "warm-up step" : "step", i, (t1 - t0) / 1e9, loss);
        }
        result(config, "seconds_per_step=" + median(times) + " min_seconds=" + Arrays.stream(times).min().orElse(Double.NaN)
                + " cpu_seconds_per_step=" + median(cpu) + " steps=" + steps + " alloc_mib_per_step=" + alloc / Math.max(1, steps) / 1048576.0
                + " parameters=" + model.numParameters() + " loss=" + loss
                + (Sgemm.countedFlops() < 0 ? "" : " gemm_gflop_per_step=" + flops / 1e9 / Math.max(1, steps)));
    }

    /** The shortest warm-up of a training configuration (whole steps), whatever {@code --warmup} says. */
    static final long TRAIN_WARMUP_NANOS = 10_000_000_000L;

    /** The shortest warm-up of a generation configuration, whatever {@code --warmup} says. */
    static final long GENERATE_WARMUP_NANOS = 5_000_000_000L;

    private static void generate(String config, ReformerLM model, int steps, int warmup) throws Exception {
        var wrapper = new TrainingWrapper(model, 0, 0);
        Sampling sampling = Sampling.topK(0.9);
        double[] ms = new double[steps], cpu = new double[steps];
        long[] out = null;
        // a run is ~0.15 s: warm-up lasts at least GENERATE_WARMUP_NANOS too, or the JIT's first minutes of compiling
        // the decoder's loops (runs of 1.7-2.2 ms/token where the steady state is 1.2-1.5) land in the median
        long warmStart = System.nanoTime();
        int warm = 0;
        while (warm < warmup || (warmup > 0 && System.nanoTime() - warmStart < GENERATE_WARMUP_NANOS)) {
            long t0 = System.nanoTime();
            out = wrapper.generate(new long[] {101}, 100, sampling.seed(warm));
            System.out.printf(Locale.ROOT, "warm-up run %d: %.3f ms/token (%d tokens)%n", warm++, (System.nanoTime() - t0) / 1e6 / out.length, out.length);
        }
        for (int i = 0; i < steps; i++) {
            long c0 = cpuNanos(), t0 = System.nanoTime();
            out = wrapper.generate(new long[] {101}, 100, sampling.seed(warm + i));
            long t1 = System.nanoTime();
            ms[i] = (t1 - t0) / 1e6 / out.length;
            cpu[i] = (cpuNanos() - c0) / 1e6 / out.length;
            System.out.printf(Locale.ROOT, "run %d: %.3f ms/token (%d tokens)%n", i, (t1 - t0) / 1e6 / out.length, out.length);
        }
        result(config, "ms_per_token=" + median(ms) +  " min_ms=" + Arrays.stream(ms).min().orElse(Double.NaN) + " cpu_ms_per_token=" + median(cpu) + " runs=" + steps
                + " tokens=" + out.length + " parameters=" + model.numParameters());
    }

    private static void result(String config, String fields) throws Exception {
        System.out.println("RESULT " + fields + " peak_rss_mib=" + vmHwmMib() + " peak_heap_after_gc_mib=" + PEAK_AFTER_GC.get() / 1048576.0
                + " threads=" + Runtime.getRuntime().availableProcessors());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Peak resident set size of this process (VmHWM), MiB. */
    static double vmHwmMib() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
        }
        return Double.NaN;
    }

    /** CPU time of this process so far (all threads, GC and JIT included). */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Bytes allocated so far by all live threads (HotSpot's per-thread counters). */
    static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = mx.getAllThreadIds();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(ids)) if (b > 0) sum += b;
        return sum;
    }
}
