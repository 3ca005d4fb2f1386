package org.reformer4j.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.io.Json;
import org.reformer4j.core.nn.StateDicts;

/**
 * Checkpoints in reformer-pytorch's layout: a safetensors file of the {@code state_dict()} names (shared
 * tensors under each of their names, as torch saves them) and, beside it, {@code config.json} with the
 * {@link ReformerConfig}, so that a folder describes its model. Loading a reformer-pytorch state dict accepts
 * files with or without the duplicated aliases ({@code irrev_blocks.*}, tied weights); any other missing
 * or unexpected name, or a shape that does not fit, is refused with the names and shapes.
 */
public final class Checkpoints {
    public static final String WEIGHTS = "model.safetensors", CONFIG = "config.json";

    private Checkpoints() {}

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json}. */
    public static void save(ReformerLM model, Path dir) throws IOException {
        Files.createDirectories(dir);
        StateDicts.write(model.stateDict(), dir.resolve(WEIGHTS), Map.of("format", "pt"));
        Files.writeString(dir.resolve(CONFIG), Json.write(model.config().toMap()));
    }

    /** The model a folder written by {@link #save} describes, with its weights. */
    @SuppressWarnings("unchecked")
    public static ReformerLM load(Path dir) throws IOException {
        Map<String, Object> cfg = (Map<String, Object>) Json.parse(Files.readString(dir.resolve(CONFIG)));
        ReformerLM model = new ReformerLM(ReformerConfig.fromMap(cfg).config());
        loadStateDict(model, StateDicts.read(dir.resolve(WEIGHTS)));
        return model;
    }

    /** Loads a reformer-pytorch {@code state_dict} saved as safetensors into {@code model}. */
    public static void loadReformerPytorch(ReformerLM model, Path file) throws IOException {
        try {
            loadStateDict(model, StateDicts.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies a state dict into the model: every tensor of the model must be present under one of its
     * names (aliases may be absent), every entry must name a tensor of the model with its shape.
     */
    public static void loadStateDict(ReformerLM model, Map<String, Tensor> state) {
        Map<String, Tensor> own = model.stateDict();
        Map<Tensor, List<String>> names = new IdentityHashMap<>();
        for (var e : own.entrySet()) names.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        List<String> unexpected = new ArrayList<>(), missing = new ArrayList<>(), shapes = new ArrayList<>();
        for (var e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine == null) unexpected.add(e.getKey());
            else if (!java.util.Arrays.equals(mine.shape(), e.getValue().shape())) {
                shapes.add(e.getKey() + ": checkpoint " + java.util.Arrays.toString(e.getValue().shape()) + ", model "
                        + java.util.Arrays.toString(mine.shape()));
            }
        }
        Map<String, Tensor> complete = new LinkedHashMap<>();
        for (var e : names.entrySet()) {
            Tensor src = null;
            for (String n : e.getValue()) if (src == null) src = state.get(n);
            if (src == null) missing.add(e.getValue().get(0));
            else for (String n : e.getValue()) complete.put(n, src);
        }
        if (!unexpected.isEmpty() || !missing.isEmpty() || !shapes.isEmpty()) {
            StringBuilder sb = new StringBuilder("checkpoint does not fit the model (" + model.config().toMap() + "):");
            if (!shapes.isEmpty()) sb.append("\n  shape mismatch: ").append(String.join("; ", shapes));
            if (!missing.isEmpty()) sb.append("\n  missing: ").append(missing);
            if (!unexpected.isEmpty()) sb.append("\n  unexpected: ").append(unexpected);
            throw new IllegalArgumentException(sb.toString());
        }
        model.loadStateDict(complete);
    }
}
