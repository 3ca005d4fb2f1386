/*
 * The training progress shown on stderr: on a terminal a bar redrawn in place (carriage return, at most
 * ten times a second) with step, percentage, loss, tokens/s and ETA; otherwise (a pipe, a log file, CI)
 * plain lines, about 25 per run and at least one every 15 seconds. Other messages go through
 * {@link #println} so they never land in the middle of the bar.
 */
package org.reformer4j.cli.train;

import java.io.PrintStream;
import java.util.Locale;

public final class Progress {
    private static final int WIDTH = 24;
    private final PrintStream err;
    private final boolean tty;
    private final long total, first;
    private final long startNanos = System.nanoTime();
    private long lastDraw = startNanos, lastLineStep = -1;
    private boolean barShown;

    /** {@code first} is the step this process starts from (0, or the resumed step). */
    public Progress(PrintStream err, boolean tty, long total, long first) {
        this.err = err;
        this.tty = tty;
        this.total = total;
        this.first = first;
    }

    /** True when stderr is a terminal that can redraw a line and no CI system is driving us. */
    public static boolean interactive() {
        var c = System.console();
        return c != null && c.isTerminal() && System.getenv("CI") == null && !"dumb".equals(System.getenv("TERM"));
    }

    /** Reports that {@code step} (1-based) is done. */
    public void update(long step, double loss, double tokensPerSecond) {
        long now = System.nanoTime();
        boolean last = step >= total;
        if (tty) {
            if (!last && now - lastDraw < 100_000_000L) return;
            lastDraw = now;
            err.print("\r" + line(step, loss, tokensPerSecond, true) + "\u001b[K");
            barShown = true;
            if (last) {
                err.println();
                barShown = false;
            }
            err.flush();
            return;
        }
        long every = Math.max(1, total / 25);
        if (last || step % every == 0 || now - lastDraw > 15_000_000_000L) {
            if (step == lastLineStep) return;
            lastDraw = now;
            lastLineStep = step;
            err.println(line(step, loss, tokensPerSecond, false));
            err.flush();
        }
    }

    /** Prints a line of its own (the bar is redrawn on the next update). */
    public void println(String s) {
        if (barShown) {
            err.print("\r\u001b[K");
            barShown = false;
        }
        err.println(s);
        err.flush();
    }

    String line(long step, double loss, double tokensPerSecond, boolean bar) {
        StringBuilder sb = new StringBuilder();
        int width = String.valueOf(total).length();
        sb.append(String.format(Locale.ROOT, "step %" + width + "d/%d", step, total));
        if (bar) {
            int filled = (int) (WIDTH * Math.min(1.0, (double) step / total));
            sb.append(" [").append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append(']');
        }
        sb.append(String.format(Locale.ROOT, " %3d%%  loss %.4f  %,.0f tok/s  ETA %s", (int) (100.0 * step / total), loss,
                tokensPerSecond, eta(step)));
        return sb.toString();
    }

    private String eta(long step) {
        long done = step - first;
        if (done < 5) return "?"; // the first steps include the JIT's warm-up
        double secs = (System.nanoTime() - startNanos) / 1e9 / done * (total - step);
        return duration(secs);
    }

    /** 75 -> "1m15s", 3700 -> "1h01m". */
    public static String duration(double secs) {
        long s = Math.round(secs);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
