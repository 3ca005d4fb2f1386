/*
 * Everything a training run needs, built either fresh (corpus, tokenizer, model options -> a new run folder
 * with config.json and vocab.txt) or from a run folder's config.json and latest checkpoint (--resume:
 * same corpus - checked by digest -, same vocabulary, same model and training options, weights, optimizer
 * state, random-stream position and step). The data pipeline is rebuilt from the same seed in both cases.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.reformer4j.cli.UserError;
import org.reformer4j.cli.data.Corpus;
import org.reformer4j.cli.data.LengthBatcher;
import org.reformer4j.cli.data.Sequences;
import org.reformer4j.cli.data.Vocabs;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.StateDicts;
import org.reformer4j.core.optim.AdamW;
import org.reformer4j.core.optim.Optimizer;
import org.reformer4j.tokenizer.BertTokenizer;

public final class RunSetup {
    public static final String CONFIG = "config.json", VOCAB = "vocab.txt", SAMPLE_CORPUS = "<sample>";

    public final Path runDir;
    public final Corpus corpus;
    public final BertTokenizer tokenizer;
    public final Map<String, Object> tokenizerOptions;
    public final ModelHandle model;
    public final TrainOptions options;
    public final Optimizer optimizer;
    public final Sequences.Split split;
    public final LengthBatcher batcher;
    public final List<String> prompts;
    /** Step reached by the checkpoint resumed from (0 for a new run) and its trainer.json (empty for a new run). */
    public final long startStep;
    public final Map<String, Object> resumedState;

    private RunSetup(Path runDir, Corpus corpus, BertTokenizer tok, Map<String, Object> tokOptions, ModelHandle model, TrainOptions options,
                     List<String> prompts, long startStep, Map<String, Object> resumedState) {
        this.runDir = runDir;
        this.corpus = corpus;
        this.tokenizer = tok;
        this.tokenizerOptions = tokOptions;
        this.model = model;
        this.options = options;
        this.startStep = startStep;
        this.resumedState = resumedState;
        List<long[]> seqs = Sequences.encode(tok, corpus.documents(), model.maxSeqLen() + 1);
        this.split = Sequences.split(seqs, options.valFraction(), options.seed());
        if (split.train().isEmpty()) throw new UserError("the corpus is too small: no sequence is left for training after the held-out split");
        this.prompts = prompts.isEmpty() ? heldOutPrompts(tok, split, options.samples()) : List.copyOf(prompts);
        this.batcher = new LengthBatcher(split.train(), options.batchSize(), options.seed());
        this.optimizer = new AdamW(model.parameters(), options.lr(), 0.9, 0.999, 1e-8, options.weightDecay(), false)
                .schedule(options.lrSchedule());
    }

    /** What the data pipeline needs before the number of steps is known (it may depend on the batches per epoch). */
    public record DataOptions(int batchSize, double valFraction, long seed) {}

    /** Model options that are not set from the data: everything of ReformerConfig but numTokens. */
    public interface ModelOptions {
        Map<String, Object> configMap(int numTokens);
    }

    /**
     * A new run: reads the corpus (the sample corpus when {@code corpusFiles} is empty), loads or trains
     * the tokenizer, writes config.json and vocab.txt into a fresh run folder.
     */
    public static RunSetup create(Path runDir, List<Path> corpusFiles, String tokenizerSpec, int vocabSize, ModelOptions modelOptions,
                                  DataOptions data, java.util.function.LongFunction<TrainOptions> optionsForBatchesPerEpoch,
                                  List<String> prompts) throws IOException {
        if (Checkpoints.latest(runDir).isPresent()) {
            throw new UserError("output folder " + runDir + " already holds a run; pass --resume to continue it, or choose another --output");
        }
        Corpus corpus = corpusFiles.isEmpty() ? Corpus.sample() : Corpus.read(corpusFiles);
        Files.createDirectories(runDir);
        Path vocab = runDir.resolve(VOCAB);
        BertTokenizer tok;
        String source;
        if (tokenizerSpec == null || tokenizerSpec.equals("none")) {
            tok = Vocabs.train(corpus.documents(), vocabSize, vocab);
            source = "trained on the corpus (WordPiece, at most " + vocabSize + " tokens)";
        } else {
            tok = Vocabs.load(tokenizerSpec);
            Vocabs.save(tok, vocab);
            source = tokenizerSpec;
        }
        Map<String, Object> tokOptions = Vocabs.options(tok, source);
        ModelHandle model = ModelHandle.create(modelOptions.configMap(tok.vocabSize()), padId(tok, 0));
        if (data.batchSize() < 1) throw new UserError("--batch-size must be >= 1, got " + data.batchSize());
        List<long[]> seqs = Sequences.encode(tok, corpus.documents(), model.maxSeqLen() + 1);
        int nTrain = Sequences.split(seqs, data.valFraction(), data.seed()).train().size();
        TrainOptions options = optionsForBatchesPerEpoch.apply(Math.max(1, Math.ceilDiv(nTrain, data.batchSize())));
        RunSetup run = new RunSetup(runDir, corpus, tok, tokOptions, model, options, prompts, 0, Map.of());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("format", "reformer4j-run/1");
        List<Object> files = new ArrayList<>();
        if (corpusFiles.isEmpty()) files.add(SAMPLE_CORPUS);
        else for (Path p : corpusFiles) files.add(p.toAbsolutePath().normalize().toString());
        cfg.put("corpus", Map.of("files", files, "digest", digest(corpus)));
        cfg.put("tokenizer", tokOptions);
        cfg.put("model", model.config().toMap());
        cfg.put("training", options.toMap());
        cfg.put("prompts", new ArrayList<Object>(run.prompts));
        JsonFiles.write(runDir.resolve(CONFIG), cfg);
        return run;
    }

    /** Continues the run in {@code runDir} from its latest checkpoint. */
    @SuppressWarnings("unchecked")
    public static RunSetup resume(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) throw new UserError("--resume: run folder " + runDir + " does not exist");
        Checkpoints.removeLeftovers(runDir);
        Optional<Path> ckpt = Checkpoints.latest(runDir);
        if (ckpt.isEmpty()) throw new UserError("--resume: " + runDir + " holds no complete checkpoint to resume from");
        Path dir = ckpt.get();
        Path cfgFile = dir.resolve(Checkpoints.CONFIG);
        Map<String, Object> cfg = JsonFiles.read(cfgFile);
        Map<String, Object> corpusCfg = JsonFiles.getMap(cfg, "corpus", cfgFile);
        List<Path> files = new ArrayList<>();
        for (Object f : (List<Object>) corpusCfg.getOrDefault("files", List.of())) {
            if (!f.equals(SAMPLE_CORPUS)) files.add(Path.of(f.toString()));
        }
        Corpus corpus = files.isEmpty() ? Corpus.sample() : Corpus.read(files);
        if (!digest(corpus).equals(corpusCfg.get("digest"))) {
            throw new UserError("--resume: the corpus changed since the run started (" + corpus.source()
                    + "); resuming would not continue the same run");
        }
        Map<String, Object> tokOptions = JsonFiles.getMap(cfg, "tokenizer", cfgFile);
        BertTokenizer tok = Vocabs.loadVocabTxt(dir.resolve(Checkpoints.VOCAB), tokOptions);
        ModelHandle model = ModelHandle.create(JsonFiles.getMap(cfg, "model", cfgFile), padId(tok, 0));
        if (model.config().numTokens != tok.vocabSize()) {
            throw new UserError("checkpoint " + dir + ": the model has " + model.config().numTokens + " token ids but vocab.txt has "
                    + tok.vocabSize() + " tokens");
        }
        model.load(dir.resolve(Checkpoints.MODEL));
        TrainOptions options = TrainOptions.fromMap(JsonFiles.getMap(cfg, "training", cfgFile));
        List<String> prompts = new ArrayList<>();
        for (Object p : (List<Object>) cfg.getOrDefault("prompts", List.of())) prompts.add(p.toString());
        Path trainerFile = dir.resolve(Checkpoints.TRAINER);
        Map<String, Object> state = JsonFiles.read(trainerFile);
        long step = JsonFiles.getLong(state, "step", trainerFile);
        model.restoreRandomPosition(JsonFiles.getLong(state, "randomPosition", trainerFile));
        RunSetup run = new RunSetup(runDir, corpus, tok, tokOptions, model, options, prompts, step, state);
        Path opt = dir.resolve(Checkpoints.OPTIMIZER);
        if (Files.isRegularFile(opt)) {
            Map<String, Tensor> os = StateDicts.read(opt);
            try {
                run.optimizer.loadStateDict(os);
            } catch (IllegalArgumentException e) {
                throw new UserError("checkpoint " + dir + ": the optimizer state does not fit the model: " + e.getMessage(), e);
            }
        }
        if (run.optimizer.stepCount() != step) {
            throw new UserError("checkpoint " + dir + ": the optimizer has taken " + run.optimizer.stepCount() + " steps, trainer.json says " + step);
        }
        return run;
    }

    /** Prompts for the closing samples when none are given: the first two tokens of held-out sequences. */
    static List<String> heldOutPrompts(BertTokenizer tok, Sequences.Split split, int n) {
        List<String> out = new ArrayList<>();
        List<long[]> source = split.validation().isEmpty() ? split.train() : split.validation();
        for (int i = 0; i < source.size() && out.size() < n; i++) {
            long[] s = source.get(i);
            if (s.length < 4 || s[0] != tok.clsId()) continue;
            out.add(org.reformer4j.cli.generate.CjkText.join(tok.convertIdsToTokens(new int[] {(int) s[1], (int) s[2]})));
        }
        return out;
    }

    /** The id used for padding: [PAD] when the vocabulary has it, else {@code fallback}. */
    static int padId(BertTokenizer tok, int fallback) {
        return tok.padId() >= 0 ? tok.padId() : fallback;
    }

    /** SHA-256 of the documents, to recognise the corpus on resume. */
    static String digest(Corpus corpus) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String d : corpus.documents()) {
                md.update(d.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes one checkpoint's files into {@code dir}. */
    public void writeCheckpoint(Path dir, Map<String, Object> trainerState) throws IOException {
        Files.copy(runDir.resolve(CONFIG), dir.resolve(Checkpoints.CONFIG));
        Files.copy(runDir.resolve(VOCAB), dir.resolve(Checkpoints.VOCAB));
        model.save(dir.resolve(Checkpoints.MODEL));
        StateDicts.write(optimizer.stateDict(), dir.resolve(Checkpoints.OPTIMIZER), Map.of("format", "reformer4j-adamw"));
        JsonFiles.write(dir.resolve(Checkpoints.TRAINER), trainerState);
    }
}
