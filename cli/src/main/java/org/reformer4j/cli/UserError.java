/*
 * A problem with what the user asked for (a missing corpus, a binary file, a checkpoint of another shape):
 * the command line prints its message as one line, "reformer4j: <message>", and exits with status 2.
 * Anything else that escapes a command is a bug and is printed with its stack trace (status 1).
 */
package org.reformer4j.cli;

public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
