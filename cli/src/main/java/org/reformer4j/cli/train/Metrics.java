/*
 * The run's metrics.csv: one row per optimizer step (step, epoch, learning rate, training loss, tokens,
 * tokens/s, elapsed seconds) with the validation loss and perplexity filled in on evaluation steps.
 * Rows are appended and flushed as they come; on resume, rows past the checkpoint's step (written by
 * the interrupted process after its last checkpoint) are dropped first, so the file reads as one run.
 */
package org.reformer4j.cli.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public final class Metrics implements AutoCloseable {
    public static final String FILE = "metrics.csv";
    static final String HEADER = "step,epoch,lr,train_loss,val_loss,val_ppl,tokens,tokens_per_s,elapsed_s";

    /** One row; val fields are NaN when no evaluation ran at that step. */
    public record Row(long step, long epoch, double lr, double trainLoss, double valLoss, double valPpl, long tokens,
                      double tokensPerSecond, double elapsedSeconds) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%d,%.6g,%s,%s,%s,%d,%.1f,%.2f", step, epoch, lr, num(trainLoss), num(valLoss),
                    num(valPpl), tokens, tokensPerSecond, elapsedSeconds);
        }

        private static String num(double v) {
            return Double.isNaN(v) ? "" : Double.toString(v); // the shortest text that reads back as the same double
        }
    }

    private final BufferedWriter out;

    private Metrics(BufferedWriter out) {
        this.out = out;
    }

    /** Opens the file for appending, keeping only rows with step <= {@code keepUpTo} (a new file when absent or keepUpTo is 0). */
    public static Metrics open(Path file, long keepUpTo) throws IOException {
        StringBuilder kept = new StringBuilder(HEADER).append('\n');
        if (keepUpTo > 0 && Files.isRegularFile(file)) {
            for (Row r : read(file)) if (r.step() <= keepUpTo) kept.append(r.csv()).append('\n');
        }
        AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
        return new Metrics(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    public void append(Row r) throws IOException {
        out.write(r.csv());
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Every complete row of a metrics file (a torn last line from a crash is skipped). */
    public static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != 9) continue;
            try {
                rows.add(new Row(Long.parseLong(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]), d(f[3]), d(f[4]), d(f[5]),
                        Long.parseLong(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8])));
            } catch (NumberFormatException torn) {
                // a line cut short by a crash
            }
        }
        return rows;
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }
}
