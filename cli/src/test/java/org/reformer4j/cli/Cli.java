/* Runs the command line in this process with captured standard output and error (no shutdown hook). */
package org.reformer4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

public final class Cli {
    /** Options of a tiny model that trains in seconds; lengths above 8 go through LSH attention. */
    public static final List<String> TINY = List.of("--dim", "32", "--depth", "1", "--heads", "2", "--max-seq-len", "16", "--bucket-size", "4",
            "--n-hashes", "1", "--full-attn-thres", "8", "--batch-size", "8", "--samples", "1", "--sample-length", "4");

    public record Result(int status, String out, String err) {
        /** The error lines that are not JVM/logging noise. */
        public List<String> errorLines() {
            return err.lines().filter(l -> l.startsWith("reformer4j:")).toList();
        }
    }

    private Cli() {}

    public static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int status = Main.run(new Io(o, e, false, false), args);
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    public static Result run(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return run(all.toArray(new String[0]));
    }

    /** "train" + the tiny model + the given arguments. */
    public static Result train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(TINY);
        all.addAll(List.of(args));
        return run(all.toArray(new String[0]));
    }
}
