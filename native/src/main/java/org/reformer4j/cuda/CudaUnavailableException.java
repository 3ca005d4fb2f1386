package org.reformer4j.cuda;

/** Thrown when a CUDA device is asked for where none can start; the message says why (no driver, no device...). */
public class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String reason) {
        super("CUDA is not available: " + reason);
    }

    public CudaUnavailableException(String reason, Throwable cause) {
        super("CUDA is not available: " + reason, cause);
    }
}
