package org.reformer4j.cuda;

/** A CUDA event: a point in a stream, for timing ({@link #elapsedMillis}) and waiting. */
public final class CudaEvent implements AutoCloseable {
    private final AbstractRuntime runtime;
    private final Object handle;
    private boolean closed;

    CudaEvent(AbstractRuntime runtime, Object handle) {
        this.runtime = runtime;
        this.handle = handle;
    }

    /** Records this event at the current end of {@code stream}. */
    public void record(CudaStream stream) {
        runtime.eventRecord(handle(), stream.handle());
    }

    /** Waits until the recorded point has been reached. */
    public void synchronize() {
        runtime.eventSynchronize(handle());
    }

    /** Milliseconds between {@code start} and this event, both recorded and reached. */
    public float elapsedMillis(CudaEvent start) {
        return runtime.eventElapsedMillis(start.handle(), handle());
    }

    Object handle() {
        if (closed) throw new IllegalStateException("event is closed");
        return handle;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        runtime.eventDestroy(handle);
    }
}
