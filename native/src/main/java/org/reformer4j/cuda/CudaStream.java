package org.reformer4j.cuda;

/**
 * A CUDA stream: work queued on one stream runs in order. The runtime's default stream is never closed;
 * streams from {@link CudaRuntime#newStream()} are closed by their owner. (The emulator runs everything at
 * once, in call order.)
 */
public final class CudaStream implements AutoCloseable {
    private final AbstractRuntime runtime;
    private final Object handle;
    private final boolean owned;
    private boolean closed;

    CudaStream(AbstractRuntime runtime, Object handle, boolean owned) {
        this.runtime = runtime;
        this.handle = handle;
        this.owned = owned;
    }

    Object handle() {
        if (closed) throw new IllegalStateException("stream is closed");
        return handle;
    }

    /** Waits until all work queued on this stream has finished. */
    public void synchronize() {
        runtime.streamSynchronize(handle());
    }

    @Override
    public void close() {
        if (closed || !owned) return;
        closed = true;
        runtime.streamDestroy(handle);
    }
}
