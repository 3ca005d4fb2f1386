/*
 * The training loop of the command line: for step s (1-based) the batch is batch (s-1) mod B of epoch
 * (s-1) div B of the length-grouped order (B batches per epoch), then loss, backward, gradient clipping,
 * AdamW with warm-up + cosine schedule; validation loss and perplexity every evalEvery steps; metrics.csv
 * and loss.png; an atomic checkpoint every checkpointEvery steps, at the end, and when a stop is asked
 * (Ctrl-C through a shutdown hook, or --stop-after for tests). Everything that decides a step - data
 * order, schedule, random streams - is a function of the step and the saved state, so a resumed run
 * repeats the uninterrupted one exactly on the CPU.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reformer4j.cli.data.Sequences;
import org.reformer4j.cli.data.Shuffle;
import org.reformer4j.cli.generate.CjkText;
import org.reformer4j.cli.generate.Generation;
import org.reformer4j.cli.generate.Sampler;
import org.reformer4j.cli.plot.LossPlot;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.optim.ClipGrad;

public final class Trainer {
    /** Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
    public static final int INTERRUPTED = 130;
    public static final String PLOT = "loss.png", SAMPLES = "samples.txt";

    private final RunSetup run;
    private final PrintStream out, err;
    private final Progress progress;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final long stopAfter;
    private final boolean catchSigint;
    private final double baseline;
    private final List<Long> valSteps = new ArrayList<>();
    private final List<Double> valLosses = new ArrayList<>();
    private double lastVal = Double.NaN;

    /** {@code stopAfter} > 0 stops after that step as Ctrl-C would; {@code catchSigint} installs the shutdown hook. */
    public Trainer(RunSetup run, PrintStream out, PrintStream err, boolean tty, long stopAfter, boolean catchSigint) {
        this.run = run;
        this.out = out;
        this.err = err;
        this.stopAfter = stopAfter;
        this.catchSigint = catchSigint;
        this.progress = new Progress(err, tty, run.options.steps(), run.startStep);
        this.baseline = Sequences.unigramLoss(run.split.train(), run.split.validation().isEmpty() ? run.split.train() : run.split.validation(),
                run.tokenizer.vocabSize());
    }

    /** Runs to the last step (status 0) or until stopped (status 130, after a checkpoint). */
    public int run() throws IOException {
        TrainOptions o = run.options;
        long total = o.steps(), bpe = run.batcher.batchesPerEpoch();
        describe(bpe);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "reformer4j-checkpoint-on-exit");
        if (catchSigint) Runtime.getRuntime().addShutdownHook(hook);
        long tokens = longState("tokens", 0);
        double elapsedBefore = run.resumedState.get("elapsedSeconds") instanceof Number n ? n.doubleValue() : 0;
        readValHistory();
        long t0 = System.nanoTime();
        Throughput speed = new Throughput(20);
        long step = run.startStep;
        long lastSaved = run.startStep;
        try (Metrics metrics = Metrics.open(run.runDir.resolve(Metrics.FILE), run.startStep)) {
            while (step < total) {
                long s = step + 1;
                long epoch = (s - 1) / bpe;
                int b = (int) ((s - 1) % bpe);
                List<long[]> batch = run.batcher.batch(epoch, b);
                long stepStart = System.nanoTime();
                double lr = run.optimizer.currentLr();
                double loss;
                try (var scope = Scope.open()) {
                    run.optimizer.zeroGrad();
                    Tensor l = run.model.loss(batch);
                    l.backward();
                    if (o.clipGrad() > 0) ClipGrad.clipGradNorm(run.model.parameters(), o.clipGrad());
                    run.optimizer.step();
                    loss = l.item();
                }
                step = s;
                long targets = Sequences.targets(batch);
                tokens += targets;
                double secs = (System.nanoTime() - stepStart) / 1e9;
                double tps = speed.add(targets, secs);
                double val = Double.NaN;
                if (s % o.evalEvery() == 0 || s == total) val = evaluate(s);
                double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
                metrics.append(new Metrics.Row(s, epoch, lr, loss, val, Double.isNaN(val) ? Double.NaN : Math.exp(val), tokens,
                        tps, elapsed));
                progress.update(s, loss, tps);
                if (!Double.isNaN(val)) plot();
                boolean stopping = stop.get() || s == stopAfter;
                if (s % o.checkpointEvery() == 0 || s == total || stopping) {
                    checkpoint(s, epoch, b, tokens, elapsed);
                    lastSaved = s;
                }
                if (stopping && s < total) {
                    progress.println(String.format(Locale.ROOT, "interrupted after step %d: checkpoint %s written; continue with: reformer4j train --resume --output %s",
                            s, Checkpoints.name(s), run.runDir));
                    return INTERRUPTED;
                }
            }
            if (lastSaved != step) checkpoint(step, (step - 1) / bpe, (int) ((step - 1) % bpe), tokens, elapsedBefore + (System.nanoTime() - t0) / 1e9);
        } finally {
            finished.countDown();
            if (catchSigint) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it returns as soon as the latch opens
                }
            }
        }
        plot();
        summary(total, elapsedBefore + (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private void describe(long bpe) {
        TrainOptions o = run.options;
        var c = run.model.config();
        out.printf(Locale.ROOT, "corpus      %s: %,d documents, %,d characters%n", run.corpus.source(), run.corpus.documents().size(), run.corpus.chars());
        out.printf(Locale.ROOT, "tokenizer   %s: %,d tokens%n", run.tokenizerOptions.get("source"), run.tokenizer.vocabSize());
        out.printf(Locale.ROOT, "data        %,d training sequences (%,d target tokens), %,d held out (%,d); %d batches of %d per epoch, %.1f%% padding%n",
                run.split.train().size(), Sequences.targets(run.split.train()), run.split.validation().size(),
                Sequences.targets(run.split.validation()), bpe, o.batchSize(), 100 * run.batcher.paddingFraction(0));
        out.printf(Locale.ROOT, "model       ReformerLM dim %d, depth %d, heads %d, maxSeqLen %d, bucketSize %d, nHashes %d, fullAttnThres %d, %s: %,d parameters%n",
                c.dim, c.depth, c.heads, c.maxSeqLen, c.bucketSize, c.nHashes, c.fullAttnThres, c.causal ? "causal" : "not causal",
                run.model.module().numParameters());
        out.printf(Locale.ROOT, "training    %,d steps (%.1f epochs), AdamW lr %.2g, %s schedule with %d warm-up steps, seed %d%n", o.steps(),
                (double) o.steps() / bpe, o.lr(), o.schedule(), o.warmup(), o.seed());
        out.printf(Locale.ROOT, "baseline    unigram loss %.4f nats/token on the held-out set (perplexity %.1f)%n", baseline, Math.exp(baseline));
        out.printf(Locale.ROOT, "device      cpu, %d threads, Vector API %s%n", Runtime.getRuntime().availableProcessors(),
                org.reformer4j.core.cpu.VectorSupport.ENABLED ? "on" : "off");
        out.printf(Locale.ROOT, "run folder  %s%n", run.runDir);
        if (run.startStep > 0) out.printf(Locale.ROOT, "resuming    from %s (step %d of %d)%n", Checkpoints.name(run.startStep), run.startStep, o.steps());
        out.flush();
    }

    private double evaluate(long step) {
        var v = run.split.validation();
        if (v.isEmpty()) return Double.NaN;
        double[] sn = run.model.evalLoss(v, run.options.batchSize(), run.options.seed(), Shuffle.EVAL_STREAM);
        double loss = sn[0] / sn[1];
        lastVal = loss;
        valSteps.add(step);
        valLosses.add(loss);
        progress.println(String.format(Locale.ROOT, "step %d: validation loss %.4f, perplexity %.2f (unigram baseline %.4f)", step, loss,
                Math.exp(loss), baseline));
        return loss;
    }

    private void checkpoint(long step, long epoch, int batch, long tokens, double elapsed) throws IOException {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("step", step);
        st.put("epoch", step / run.batcher.batchesPerEpoch());
        st.put("batchInEpoch", step % run.batcher.batchesPerEpoch());
        st.put("batchesPerEpoch", (long) run.batcher.batchesPerEpoch());
        st.put("dataSeed", run.options.seed());
        st.put("randomPosition", run.model.randomPosition());
        st.put("tokens", tokens);
        st.put("elapsedSeconds", elapsed);
        st.put("lastValidationLoss", lastVal);
        st.put("learningRate", run.optimizer.currentLr());
        Checkpoints.save(run.runDir, step, run.options.keepCheckpoints(), dir -> run.writeCheckpoint(dir, st));
    }

    private void plot() throws IOException {
        List<Metrics.Row> rows = Metrics.read(run.runDir.resolve(Metrics.FILE));
        long[] ts = new long[rows.size()];
        double[] tl = new double[rows.size()];
        List<Long> vs = new ArrayList<>();
        List<Double> vl = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ts[i] = rows.get(i).step();
            tl[i] = rows.get(i).trainLoss();
            if (!Double.isNaN(rows.get(i).valLoss())) {
                vs.add(rows.get(i).step());
                vl.add(rows.get(i).valLoss());
            }
        }
        byte[] png = LossPlot.png(new LossPlot.Series(ts, tl, vs.stream().mapToLong(Long::longValue).toArray(),
                vl.stream().mapToDouble(Double::doubleValue).toArray(), baseline, run.runDir.getFileName().toString()));
        AtomicFiles.write(run.runDir.resolve(PLOT), png);
    }

    private void readValHistory() throws IOException {
        if (run.startStep == 0) return;
        Path f = run.runDir.resolve(Metrics.FILE);
        if (!java.nio.file.Files.isRegularFile(f)) return;
        for (Metrics.Row r : Metrics.read(f)) {
            if (r.step() <= run.startStep && !Double.isNaN(r.valLoss())) {
                valSteps.add(r.step());
                valLosses.add(r.valLoss());
                lastVal = r.valLoss();
            }
        }
    }

    /** Tokens per second over the last {@code n} steps. */
    private static final class Throughput {
        private final long[] tokens;
        private final double[] secs;
        private int count;

        Throughput(int n) {
            tokens = new long[n];
            secs = new double[n];
        }

        double add(long t, double s) {
            tokens[count % tokens.length] = t;
            secs[count % secs.length] = s;
            count++;
            long tt = 0;
            double ss = 0;
            for (int i = 0; i < Math.min(count, tokens.length); i++) {
                tt += tokens[i];
                ss += secs[i];
            }
            return ss > 0 ? tt / ss : 0;
        }
    }

    private long longState(String key, long fallback) {
        return run.resumedState.get(key) instanceof Number n ? n.longValue() : fallback;
    }

    private void summary(long total, double elapsed) throws IOException {
        double best = valLosses.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        out.printf(Locale.ROOT, "done        %d steps in %s; validation loss %.4f (best %.4f, perplexity %.2f) vs unigram baseline %.4f (perplexity %.1f)%n",
                total, Progress.duration(elapsed), lastVal, best, Math.exp(lastVal), baseline, Math.exp(baseline));
        out.printf(Locale.ROOT, "files       %s, %s, %s, %s/%s%n", run.runDir.resolve(Metrics.FILE), run.runDir.resolve(PLOT),
                run.runDir.resolve(RunSetup.CONFIG), run.runDir.resolve(Checkpoints.FOLDER), Checkpoints.name(total));
        if (run.options.samples() == 0 || run.prompts.isEmpty()) return;
        out.println("samples     (top-k filter-thres 0.9, temperature 0.8)");
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < Math.min(run.options.samples(), run.prompts.size()); i++) {
            String prompt = run.prompts.get(i);
            long[] ids = Generation.promptIds(run.tokenizer, prompt);
            CjkText text = new CjkText();
            StringBuilder line = new StringBuilder(Generation.promptText(run.tokenizer, ids, text));
            out.print("  " + line);
            out.flush();
            Sampler sampler = new Sampler(0.9, 0, 1.0, 0.8, run.options.seed() + i);
            Generation.run(run.model, run.tokenizer, ids, run.options.sampleLength(), sampler, run.tokenizer.sepId(), run.options.seed() + i, text,
                    piece -> {
                        line.append(piece);
                        out.print(piece);
                        out.flush();
                    });
            out.println();
            file.append(line).append('\n');
        }
        AtomicFiles.write(run.runDir.resolve(SAMPLES), file.toString().getBytes(StandardCharsets.UTF_8));
    }
}
