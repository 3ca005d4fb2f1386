/*
 * Checkpoints of a run folder, written so that a crash at any moment leaves a loadable one:
 *   RUN/checkpoints/step-00000200/{config.json, vocab.txt, model.safetensors, optimizer.safetensors, trainer.json}
 *   RUN/checkpoints/latest           (the name of the newest complete checkpoint folder)
 * A checkpoint is filled in a temporary folder (.tmp-step-...), each file fsynced, then renamed into
 * place atomically and only then named in "latest" (itself replaced atomically); older ones are pruned.
 * Loading takes "latest", or when it is missing or names a folder that is gone, the newest step-* folder.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public final class Checkpoints {
    public static final String FOLDER = "checkpoints", LATEST = "latest";
    public static final String CONFIG = "config.json", VOCAB = "vocab.txt", MODEL = "model.safetensors",
            OPTIMIZER = "optimizer.safetensors", TRAINER = "trainer.json";
    private static final Pattern NAME = Pattern.compile("step-(\\d{8,})");

    /** Runs between filling the temporary folder and publishing it (tests simulate crashes here). */
    static volatile Runnable beforePublish = () -> {};

    /** Writes the files of one checkpoint into a folder. */
    @FunctionalInterface
    public interface Writer {
        void writeInto(Path dir) throws IOException;
    }

    private Checkpoints() {}

    public static String name(long step) {
        return String.format("step-%08d", step);
    }

    /** Writes checkpoint {@code step} atomically, points "latest" at it and keeps the newest {@code keep}. */
    public static Path save(Path runDir, long step, int keep, Writer writer) throws IOException {
        Path root = runDir.resolve(FOLDER);
        Files.createDirectories(root);
        Path target = root.resolve(name(step));
        if (!Files.isDirectory(target)) {
            Path tmp = root.resolve(".tmp-" + name(step) + "-" + ProcessHandle.current().pid());
            AtomicFiles.deleteTree(tmp);
            Files.createDirectories(tmp);
            writer.writeInto(tmp);
            beforePublish.run();
            AtomicFiles.publishDirectory(tmp, target);
        }
        AtomicFiles.write(root.resolve(LATEST), (name(step) + "\n").getBytes(StandardCharsets.UTF_8));
        prune(root, keep, step);
        return target;
    }

    /** The checkpoint folder to resume from, if any. */
    public static Optional<Path> latest(Path runDir) throws IOException {
        Path root = runDir.resolve(FOLDER);
        if (!Files.isDirectory(root)) return Optional.empty();
        Path pointer = root.resolve(LATEST);
        if (Files.isRegularFile(pointer)) {
            String n = Files.readString(pointer, StandardCharsets.UTF_8).strip();
            Path p = root.resolve(n);
            if (NAME.matcher(n).matches() && complete(p)) return Optional.of(p);
        }
        List<Path> all = list(root);
        for (int i = all.size() - 1; i >= 0; i--) if (complete(all.get(i))) return Optional.of(all.get(i));
        return Optional.empty();
    }

    /** The step of a checkpoint folder named step-NNNNNNNN. */
    public static long step(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException("not a checkpoint folder name: " + checkpoint);
        return Long.parseLong(m.group(1));
    }

    /** True when the folder holds every file of a checkpoint. */
    public static boolean complete(Path dir) {
        for (String f : new String[] {CONFIG, VOCAB, MODEL, TRAINER}) if (!Files.isRegularFile(dir.resolve(f))) return false;
        return true;
    }

    /** Removes temporary folders left by a crash in the middle of a write. */
    public static void removeLeftovers(Path runDir) throws IOException {
        Path root = runDir.resolve(FOLDER);
        if (!Files.isDirectory(root)) return;
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".tmp-")) AtomicFiles.deleteTree(p);
                else if (n.startsWith(".") && n.endsWith(".tmp")) Files.deleteIfExists(p);
            }
        }
    }

    /** Checkpoint folders by step, oldest first. */
    static List<Path> list(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p)).forEach(out::add);
        }
        out.sort((a, b) -> Long.compare(step(a), step(b)));
        return out;
    }

    private static void prune(Path root, int keep, long current) throws IOException {
        List<Path> all = list(root);
        int extra = all.size() - Math.max(1, keep);
        for (int i = 0; i < all.size() && extra > 0; i++) {
            if (step(all.get(i)) == current) continue;
            AtomicFiles.deleteTree(all.get(i));
            extra--;
        }
    }
}
