package org.reformer4j.bench.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.reformer4j.core.Scope;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.model.ReformerConfig;
import org.reformer4j.model.ReformerLM;
import org.reformer4j.model.TrainingWrapper;

/**
 * One training step of a small LSH model (256 tokens, dim 256, depth 2, 4 heads, bucket 64, 2 rounds, causal) with
 * each reformer-pytorch option on its own, against the model without it, in one JVM: for a researcher who wants to
 * know what an option costs, and to catch an option whose path was left slow (product-key memory took 6x the base
 * step before its embedding bag was fused). Median of 5 steps after 3, the options in turn; the host's noise moves
 * single figures by 20-30%, so read ratios of 1.3 and above.
 * <pre>
 * java --add-modules=jdk.incubator.vector -Xmx2g -cp bench/target/benchmarks.jar org.reformer4j.bench.model.OptionsBench [len=2048] [name prefix]
 * </pre>
 */
public final class OptionsBench {
    private OptionsBench() {}

    record Option(String name, UnaryOperator<ReformerConfig.Builder<ReformerLM>> set) {}

    static List<Option> options(int len) {
        return List.of(
                new Option("base", b -> b),
                new Option("nLocalAttnHeads 2", b -> b.nLocalAttnHeads(2)),
                new Option("ffGlu", b -> b.ffGlu(true)),
                new Option("useScaleNorm", b -> b.useScaleNorm(true)),
                new Option("useRezero", b -> b.useRezero(true)),
                new Option("weightTie", b -> b.weightTie(true)),
                new Option("oneValueHead", b -> b.oneValueHead(true)),
                new Option("numMemKv 8", b -> b.numMemKv(8)),
                new Option("axialPositionEmb", b -> b.axialPositionEmb(true).axialPositionShape(len / 32, 32)),
                new Option("absolutePositionEmb", b -> b.absolutePositionEmb(true)),
                new Option("randomRotationsPerHead", b -> b.randomRotationsPerHead(true)),
                new Option("dropouts 0.1 (lsh, ff, post-attention)", b -> b.lshDropout(0.1).ffDropout(0.1).postAttnDropout(0.1)),
                new Option("lshAttendAcrossBuckets false", b -> b.lshAttendAcrossBuckets(false)),
                new Option("lshAllowDuplicateAttention false", b -> b.lshAllowDuplicateAttention(false)),
                new Option("pkmLayers 1", b -> b.pkmLayers(1)),
                new Option("embDim 128", b -> b.embDim(128)),
                new Option("attnChunks 2", b -> b.attnChunks(2)),
                new Option("reverseThres above the length", b -> b.reverseThres(len + 1)),
                new Option("useFullAttn", b -> b.useFullAttn(true)),
                new Option("causal false", b -> b.causal(false)));
    }

    public static void main(String[] args) throws Exception {
        int len = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        String only = args.length > 1 ? args[1] : null;
        System.out.println("CPU: " + ReferenceFigures.cpuModelName() + ", threads " + Runtime.getRuntime().availableProcessors()
                + ", " + len + " tokens");
        double base = Double.NaN;
        for (Option o : options(len)) {
            if (only != null && !o.name().startsWith(only) && !o.name().equals("base")) continue;
            ReformerConfig.Builder<ReformerLM> b = ReformerLM.builder().numTokens(256).dim(256).depth(2).heads(4).maxSeqLen(len)
                    .bucketSize(64).nHashes(2).causal(true).seed(1);
            double s = step(o.set().apply(b).build(), len);
            if (o.name().equals("base")) base = s;
            String row = String.format(Locale.ROOT, "%-42s %7.3f s/step  %5.2fx the base", o.name(), s, s / base);
            System.out.println(row);
        }
    }

    /** Median seconds of 5 training steps (forward, loss, backward, Adam) on one sequence, after 3. */
    static double step(ReformerLM model, int len) {
        var w = new TrainingWrapper(model, 0, 0);
        var opt = new Adam(model.parameters(), 1e-4);
        model.train();
        double[] t = new double[5];
        for (int i = 0; i < 8; i++) {
            long[] seq = new long[len + 1];
            for (int j = 0; j < seq.length; j++) seq[j] = 1 + (j * 7919L + i) % 255;
            long t0 = System.nanoTime();
            try (var scope = Scope.open()) {
                var loss = w.loss(List.of(seq));
                loss.backward();
                opt.step();
                opt.zeroGrad();
            }
            if (i >= 3) t[i - 3] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[2];
    }
}
