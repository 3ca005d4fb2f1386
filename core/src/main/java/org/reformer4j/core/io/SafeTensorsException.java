package org.reformer4j.core.io;

import java.io.IOException;

/**
 * A safetensors file that cannot be read or written as one: truncated, a header length past the end of
 * the file, bad JSON, offsets out of range or overlapping, a shape that does not match its bytes, an
 * unsupported dtype, duplicate names. The message names the file and the problem.
 */
public class SafeTensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsException(String message) {
        super(message);
    }

    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
