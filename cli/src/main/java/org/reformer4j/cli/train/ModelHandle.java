/*
 * The command line's one seam to the model module: a ReformerLM with its TrainingWrapper (reformer-pytorch's
 * TrainingWrapper: loss of variable-length sequences, padding right-filled and ignored), its random stream
 * position (LSH rotations and dropout, saved in checkpoints so that a resumed run draws what the
 * uninterrupted one drew), next-token logits for sampling, and state-dict files with one-line errors
 * when a checkpoint does not fit the model's shape. Evaluation and sampling draw their rotations from
 * their own streams, so they never move the training stream.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.reformer4j.cli.UserError;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.nn.StateDicts;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.ReformerConfig;
import org.reformer4j.model.ReformerLM;
import org.reformer4j.model.RotationSource;
import org.reformer4j.model.TrainingWrapper;

public final class ModelHandle {
    private final ReformerLM model;
    private final TrainingWrapper wrapper;
    private final int padId;

    private ModelHandle(ReformerLM model, int padId) {
        this.model = model;
        this.padId = padId;
        this.wrapper = new TrainingWrapper(model, padId, padId);
    }

    /** A fresh model from the JSON form of its configuration (ReformerConfig.toMap). */
    public static ModelHandle create(Map<String, Object> config, int padId) {
        ReformerConfig cfg;
        try {
            cfg = ReformerConfig.fromMap(config).config();
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new UserError("invalid model options: " + e.getMessage(), e);
        }
        return new ModelHandle(new ReformerLM(cfg), padId);
    }

    public Module module() {
        return model;
    }

    public ReformerLM model() {
        return model;
    }

    public ReformerConfig config() {
        return model.config();
    }

    public List<Parameter> parameters() {
        return model.parameters();
    }

    public int maxSeqLen() {
        return model.config().maxSeqLen;
    }

    /** Mean next-token cross entropy of the sequences (training mode, draws from the training stream). */
    public Tensor loss(List<long[]> batch) {
        model.train(true);
        model.setRotationSource(null);
        return wrapper.loss(batch);
    }

    /**
     * Sum of next-token losses and number of targets over {@code seqs}, in evaluation mode without
     * gradients, in batches of {@code batchSize}; LSH rotations from a fixed evaluation stream.
     */
    public double[] evalLoss(List<long[]> seqs, int batchSize, long seed, long stream) {
        model.train(false);
        model.setRotationSource(RotationSource.of(new Generator(seed, stream, 0)));
        double sum = 0;
        long n = 0;
        try (var ng = GradMode.noGrad()) {
            for (int i = 0; i < seqs.size(); i += batchSize) {
                List<long[]> b = seqs.subList(i, Math.min(seqs.size(), i + batchSize));
                long targets = 0;
                for (long[] s : b) targets += s.length - 1;
                try (var scope = org.reformer4j.core.Scope.open()) {
                    sum += wrapper.loss(b).item() * targets;
                }
                n += targets;
            }
        } finally {
            model.setRotationSource(null);
            model.train(true);
        }
        return new double[] {sum, n};
    }

    /** Logits [V] of the token after {@code context} (its last maxSeqLen tokens), drawing rotations from {@code g}. */
    public float[] nextLogits(long[] context, Generator g) {
        long[] ctx = context.length > maxSeqLen() ? Arrays.copyOfRange(context, context.length - maxSeqLen(), context.length) : context;
        model.train(false);
        model.setRotationSource(RotationSource.of(g));
        try (var ng = GradMode.noGrad(); var scope = org.reformer4j.core.Scope.open()) {
            Tensor logits = wrapper.autopadder().forward(Tensor.of(ctx, 1, ctx.length), null, null);
            return logits.select(0, 0).select(0, ctx.length - 1).contiguous().toFloatArray().clone();
        } finally {
            model.setRotationSource(null);
        }
    }

    /** Position (Philox block counter) of the model's training random stream. */
    public long randomPosition() {
        return model.generator().counter();
    }

    /** Moves a fresh model's random stream forward to a saved position. */
    public void restoreRandomPosition(long position) {
        long now = model.generator().counter();
        if (position < now) {
            throw new IllegalStateException("the model's random stream is at " + now + ", past the checkpoint's " + position);
        }
        if (position > now) model.generator().take(position - now);
    }

    public void save(Path file) throws IOException {
        StateDicts.save(model, file);
    }

    /** Loads weights; a file of another model shape is a one-line UserError naming the first mismatch. */
    public void load(Path file) {
        Map<String, Tensor> state;
        try {
            state = StateDicts.read(file);
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot read model weights " + file + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> mine = model.stateDict();
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                throw new UserError("checkpoint " + file + " is from another model: it has no tensor '" + e.getKey() + "' (its config.json and weights do not match)");
            }
            if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new UserError("checkpoint " + file + " is from another model shape: '" + e.getKey() + "' is "
                        + Arrays.toString(t.shape()) + " there, the model expects " + Arrays.toString(e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) {
            if (!mine.containsKey(k)) throw new UserError("checkpoint " + file + " is from another model: unexpected tensor '" + k + "'");
        }
        try {
            model.loadStateDict(state);
        } catch (IllegalArgumentException e) {
            throw new UserError("checkpoint " + file + " does not fit the model: " + e.getMessage(), e);
        }
    }

    public int padId() {
        return padId;
    }
}
