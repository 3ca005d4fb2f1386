/*
 * Resolves what a user names as a checkpoint: a run folder (its latest checkpoint), a checkpoint folder
 * (checkpoints/step-NNNNNNNN), or the model.safetensors inside one; and loads the model and tokenizer
 * stored there. Anything else is a one-line UserError.
 */
package org.reformer4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.reformer4j.cli.data.Vocabs;
import org.reformer4j.cli.train.Checkpoints;
import org.reformer4j.cli.train.JsonFiles;
import org.reformer4j.cli.train.ModelHandle;
import org.reformer4j.tokenizer.BertTokenizer;

public record CheckpointRef(Path dir, Map<String, Object> config) {

    public static CheckpointRef resolve(Path p) {
        if (!Files.exists(p)) throw new UserError("checkpoint not found: " + p);
        Path dir = p;
        if (Files.isRegularFile(p)) {
            dir = p.toAbsolutePath().getParent();
        } else if (!Files.isRegularFile(p.resolve(Checkpoints.MODEL))) {
            try {
                dir = Checkpoints.latest(p).orElseThrow(() -> new UserError(p + " is neither a run folder with checkpoints nor a checkpoint folder"));
            } catch (IOException e) {
                throw new UserError("cannot read " + p + ": " + e.getMessage(), e);
            }
        }
        for (String f : new String[] {Checkpoints.CONFIG, Checkpoints.VOCAB, Checkpoints.MODEL}) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new UserError("checkpoint folder " + dir + " lacks " + f);
        }
        return new CheckpointRef(dir, JsonFiles.read(dir.resolve(Checkpoints.CONFIG)));
    }

    public Map<String, Object> modelConfig() {
        return JsonFiles.getMap(config, "model", dir.resolve(Checkpoints.CONFIG));
    }

    public BertTokenizer tokenizer() {
        Object t = config.get("tokenizer");
        @SuppressWarnings("unchecked")
        Map<String, Object> opts = t instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return Vocabs.loadVocabTxt(dir.resolve(Checkpoints.VOCAB), opts);
    }

    /** The model with the checkpoint's weights (a file of another shape is a UserError). */
    public ModelHandle loadModel(BertTokenizer tok) {
        ModelHandle m = ModelHandle.create(modelConfig(), Math.max(0, tok.padId()));
        if (m.config().numTokens != tok.vocabSize()) {
            throw new UserError("checkpoint " + dir + ": the model has " + m.config().numTokens + " token ids but its vocab.txt has "
                    + tok.vocabSize() + " tokens");
        }
        m.load(dir.resolve(Checkpoints.MODEL));
        return m;
    }
}
