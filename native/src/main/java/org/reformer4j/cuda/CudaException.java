package org.reformer4j.cuda;

/**
 * A failed CUDA, cuBLAS, NVRTC or emulator call: carries the call's name, the error's symbolic name (e.g.
 * {@code CUDA_ERROR_OUT_OF_MEMORY}, {@code NVRTC_ERROR_COMPILATION}), the arguments, and for a compilation
 * the compiler's log, so that a failure reads on its own without a debugger.
 */
public class CudaException extends RuntimeException {
    private final String call;
    private final String errorName;
    private final String log;

    public CudaException(String call, String errorName, String arguments, String log) {
        super(call + " failed with " + errorName + (arguments.isEmpty() ? "" : " [" + arguments + "]")
                + (log == null || log.isBlank() ? "" : "\n--- log ---\n" + log.strip()));
        this.call = call;
        this.errorName = errorName;
        this.log = log == null ? "" : log;
    }

    /** The native call that failed, e.g. {@code cuLaunchKernel}. */
    public String call() {
        return call;
    }

    /** The symbolic error, e.g. {@code CUDA_ERROR_INVALID_VALUE}. */
    public String errorName() {
        return errorName;
    }

    /** The compiler log (NVRTC or g++), or empty. */
    public String log() {
        return log;
    }
}
