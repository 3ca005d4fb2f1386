/*
 * `reformer4j train`: options of the corpus, tokenizer, model (ReformerLM's builder options, reformer-pytorch
 * names in kebab case), optimisation and run folder; builds a RunSetup (new or --resume) and runs the
 * Trainer. Without corpus files it is the demo: the built-in sample corpus, a vocabulary trained on it,
 * a small model sized to finish in a few minutes on two cores, and a few generated lines at the end.
 */
package org.reformer4j.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.reformer4j.cli.train.RunSetup;
import org.reformer4j.cli.train.TrainOptions;
import org.reformer4j.cli.train.Trainer;
import org.reformer4j.model.ReformerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a ReformerLM on UTF-8 text (one document per line, or paragraphs separated by blank lines).",
            "Without CORPUS files: the demo on the built-in Chinese sample corpus."})
final class TrainCommand implements Callable<Integer> {
    /** Demo prompts: beginnings of everyday sentences in the style of the sample corpus. */
    static final List<String> DEMO_PROMPTS = List.of("今天早上", "周末我和妈妈", "我们公司", "明天天气");
    /** Steps of the demo: a few minutes on two cores. */
    static final long DEMO_STEPS = 500;
    /** Options a resumed run may be given (the others it takes from its saved config.json). */
    private static final List<String> RESUME_ALLOWED = List.of("--resume", "--output", "--device", "--keep-activations-mib",
            "--stop-after", "--help", "--version");

    private final Io io;
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "CORPUS", description = "UTF-8 text files (default: the built-in sample corpus)")
    List<Path> corpus = new ArrayList<>();

    @Option(names = {"-t", "--tokenizer"}, paramLabel = "SPEC",
            description = "a folder with vocab.txt, a vocab.txt file, a model name in the local HuggingFace cache, or 'none' "
                    + "to train a WordPiece vocabulary on the corpus (default: none)")
    String tokenizer = "none";

    @Option(names = "--vocab-size", description = "largest vocabulary trained on the corpus (default: ${DEFAULT-VALUE})")
    int vocabSize = 8000;

    // ---- model
    @Option(names = "--dim", description = "model width (default: ${DEFAULT-VALUE})")
    int dim = 128;
    @Option(names = "--depth", description = "number of layers (default: ${DEFAULT-VALUE})")
    int depth = 2;
    @Option(names = "--heads", description = "attention heads (default: ${DEFAULT-VALUE})")
    int heads = 4;
    @Option(names = "--dim-head", description = "width of a head (default: dim / heads)")
    Integer dimHead;
    @Option(names = "--max-seq-len", description = "longest input; longer documents are cut into windows (default: ${DEFAULT-VALUE})")
    int maxSeqLen = 64;
    @Option(names = "--bucket-size", description = "LSH bucket size (default: ${DEFAULT-VALUE})")
    int bucketSize = 16;
    @Option(names = "--n-hashes", description = "LSH hash rounds (default: ${DEFAULT-VALUE})")
    int nHashes = 2;
    @Option(names = "--full-attn-thres", description = "full attention up to this length, LSH above (default: ${DEFAULT-VALUE})")
    int fullAttnThres = 32;
    @Option(names = "--causal", negatable = true, description = "causal (autoregressive) attention (default: true)")
    boolean causal = true;
    @Option(names = "--ff-mult", description = "feed-forward width multiplier (default: ${DEFAULT-VALUE})")
    int ffMult = 4;
    @Option(names = "--lsh-dropout", description = "dropout of the attention weights (default: ${DEFAULT-VALUE}; demo: 0.2)")
    double lshDropout = 0.0;
    @Option(names = "--ff-dropout", description = "dropout in the feed-forward layers (default: ${DEFAULT-VALUE}; demo: 0.3)")
    double ffDropout = 0.0;
    @Option(names = "--weight-tie", description = "share the weights of all layers (default: false)")
    boolean weightTie;

    // ---- optimisation
    @Option(names = {"-b", "--batch-size"}, description = "sequences per step (default: ${DEFAULT-VALUE})")
    int batchSize = 16;
    @Option(names = "--steps", description = "optimizer steps (default: the demo's 500, else from --epochs)")
    Long steps;
    @Option(names = "--epochs", description = "passes over the training data, when --steps is not given (default: 10)")
    Double epochs;
    @Option(names = "--lr", description = "peak learning rate of AdamW (default: ${DEFAULT-VALUE}; demo: 0.001)")
    double lr = 2e-3;
    @Option(names = "--warmup", description = "linear warm-up steps (default: 5% of the steps)")
    Long warmup;
    @Option(names = "--schedule", description = "after warm-up: cosine, linear or constant (default: ${DEFAULT-VALUE})")
    String schedule = "cosine";
    @Option(names = "--min-lr-ratio", description = "cosine floor as a fraction of --lr (default: ${DEFAULT-VALUE})")
    double minLrRatio = 0.1;
    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}; demo: 0.1)")
    double weightDecay = 0.01;
    @Option(names = "--clip-grad", description = "clip the gradient norm to this (0: off; default: ${DEFAULT-VALUE})")
    double clipGrad = 1.0;
    @Option(names = "--seed", description = "seed of the weights, data order and random streams (default: ${DEFAULT-VALUE})")
    long seed = 42;
    @Option(names = "--device", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device = "auto";
    @Option(names = "--keep-activations-mib", paramLabel = "MIB", description = "memory the top layers may keep from forward "
            + "to backward instead of recomputing them (speed for memory; CPU; default: ${DEFAULT-VALUE})")
    long keepActivationsMib = 0;

    // ---- run folder
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "run folder (default: runs/<date-time>)")
    Path output;
    @Option(names = "--resume", description = "continue the run in --output from its latest checkpoint")
    boolean resume;
    @Option(names = "--val-fraction", description = "share of sequences held out for validation (default: ${DEFAULT-VALUE})")
    double valFraction = 0.1;
    @Option(names = "--eval-every", description = "steps between validations (default: a tenth of the steps)")
    Long evalEvery;
    @Option(names = "--checkpoint-every", description = "steps between checkpoints (default: a fifth of the steps)")
    Long checkpointEvery;
    @Option(names = "--keep-checkpoints", description = "checkpoints kept in the run folder (default: ${DEFAULT-VALUE})")
    int keepCheckpoints = 2;
    @Option(names = "--samples", description = "lines generated at the end (default: ${DEFAULT-VALUE})")
    int samples = 4;
    @Option(names = "--sample-length", description = "tokens per generated line (default: ${DEFAULT-VALUE})")
    int sampleLength = 40;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt of the generated lines (repeatable; default: demo prompts, "
            + "or the first two tokens of held-out sequences)")
    List<String> prompts = new ArrayList<>();
    @Option(names = "--stop-after", hidden = true, description = "behave as if Ctrl-C came after this step (tests)")
    long stopAfter;

    TrainCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        Devices.select(device, io);
        if (keepActivationsMib < 0) throw new UserError("--keep-activations-mib must be >= 0, got " + keepActivationsMib);
        org.reformer4j.model.ReversibleSequence.keepActivationBytes(keepActivationsMib << 20);
        RunSetup run;
        if (resume) {
            if (output == null) throw new UserError("--resume needs the run folder: --output DIR");
            refuseOptionsOnResume();
            run = RunSetup.resume(output);
        } else {
            boolean demo = corpus.isEmpty();
            if (demo) demoDefaults();
            Path out = output != null ? output : Path.of("runs", (demo ? "demo-" : "") + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            if (demo) io.out().println("reformer4j demo: training a small Reformer on the built-in Chinese sample corpus");
            if (steps != null && epochs != null) throw new UserError("give --steps or --epochs, not both");
            if (epochs != null && !(epochs > 0)) throw new UserError("--epochs must be > 0, got " + epochs);
            double ep = epochs != null ? epochs : 10;
            Long st = steps != null ? steps : demo && epochs == null ? Long.valueOf(DEMO_STEPS) : null;
            run = RunSetup.create(out, corpus, tokenizer, vocabSize, this::modelConfig, new RunSetup.DataOptions(batchSize, valFraction, seed),
                    batchesPerEpoch -> options(st != null ? st : Math.max(1, Math.round(ep * batchesPerEpoch))),
                    demo && prompts.isEmpty() ? DEMO_PROMPTS : prompts);
        }
        return new Trainer(run, io.out(), io.err(), io.tty(), stopAfter, io.catchSigint()).run();
    }

    /**
     * The demo's corpus has about 6,000 tokens, which a model this size learns by heart within a few
     * epochs; more dropout and weight decay keep its validation loss down. Options the user gives win.
     */
    private void demoDefaults() {
        if (!given("--ff-dropout")) ffDropout = 0.3;
        if (!given("--lsh-dropout")) lshDropout = 0.2;
        if (!given("--weight-decay")) weightDecay = 0.1;
        if (!given("--lr")) lr = 1e-3;
    }

    private boolean given(String option) {
        return spec != null && spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private void refuseOptionsOnResume() {
        if (spec == null) return;
        List<String> given = new ArrayList<>();
        for (var o : spec.commandLine().getParseResult().matchedOptions()) {
            if (!RESUME_ALLOWED.contains(o.longestName())) given.add(o.longestName());
        }
        if (!spec.commandLine().getParseResult().matchedPositionals().isEmpty()) given.add("CORPUS");
        if (!given.isEmpty()) {
            throw new UserError("--resume continues the run with the options saved in its config.json; remove " + String.join(", ", given));
        }
    }

    Map<String, Object> modelConfig(int numTokens) {
        if (dim < 1 || heads < 1) throw new UserError("--dim and --heads must be >= 1");
        int dh = dimHead != null ? dimHead : Math.max(1, dim / heads);
        if (!causal) io.warn("--no-causal: the model sees the next tokens, so its loss is not a language-model loss and generation will be poor");
        try {
            return ReformerConfig.builder().numTokens(numTokens).dim(dim).depth(depth).heads(heads).dimHead(dh).maxSeqLen(maxSeqLen)
                    .bucketSize(bucketSize).nHashes(nHashes).fullAttnThres(fullAttnThres).causal(causal).ffMult(ffMult)
                    .lshDropout(lshDropout).ffDropout(ffDropout).weightTie(weightTie).ffChunks(1).seed(seed).config().toMap();
        } catch (IllegalArgumentException e) {
            throw new UserError("invalid model options: " + e.getMessage(), e);
        }
    }

    private TrainOptions options(long st) {
        long wu = warmup != null ? warmup : Math.min(st, Math.max(0, st / 20));
        long ev = evalEvery != null ? evalEvery : Math.max(1, st / 10);
        long ck = checkpointEvery != null ? checkpointEvery : Math.max(1, st / 5);
        return new TrainOptions(batchSize, st, lr, wu, schedule, minLrRatio, weightDecay, clipGrad, seed, valFraction, ev, ck,
                keepCheckpoints, samples, sampleLength);
    }
}
