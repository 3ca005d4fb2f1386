/*
 * Where a command writes (standard output for results, standard error for progress and warnings), whether
 * standard error is an interactive terminal, and whether Ctrl-C should be caught (only in the real
 * process; in-process tests drive the commands with their own streams and no shutdown hook).
 */
package org.reformer4j.cli;

import java.io.PrintStream;

public record Io(PrintStream out, PrintStream err, boolean tty, boolean catchSigint) {
    /** Prints "reformer4j: warning: ..." on standard error. */
    public void warn(String message) {
        err.println("reformer4j: warning: " + message);
        err.flush();
    }
}
