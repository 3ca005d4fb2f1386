package org.reformer4j.cuda;

/**
 * A block of device memory from a runtime's caching allocator: its device address and size in bytes.
 * {@link #close()} gives it back to the allocator (not to the driver), so buffers belong in
 * try-with-resources or in a scope that closes them; using a closed buffer is an error.
 */
public final class DeviceBuffer implements AutoCloseable {
    private final AbstractRuntime runtime;
    private final long address;
    private final long byteSize;
    private final long capacity;
    private volatile boolean closed;

    DeviceBuffer(AbstractRuntime runtime, long address, long byteSize, long capacity) {
        this.runtime = runtime;
        this.address = address;
        this.byteSize = byteSize;
        this.capacity = capacity;
    }

    /** The device address (a CUdeviceptr on the GPU, a host address on the emulator). */
    public long address() {
        checkOpen("address");
        return address;
    }

    long addressUnchecked() {
        return address;
    }

    /** Requested size in bytes. */
    public long byteSize() {
        return byteSize;
    }

    /** Bytes actually reserved (the allocator's size class, at least {@link #byteSize()}). */
    long capacity() {
        return capacity;
    }

    /** The runtime that owns this buffer. */
    public CudaRuntime runtime() {
        return runtime;
    }

    public boolean isClosed() {
        return closed;
    }

    void checkOpen(String op) {
        if (closed) throw new IllegalStateException(op + ": device buffer of " + byteSize + " bytes is closed");
    }

    void checkRange(String op, long offset, long bytes) {
        checkOpen(op);
        if (offset < 0 || bytes < 0 || offset + bytes > byteSize)
            throw new IndexOutOfBoundsException(op + ": range [" + offset + ", " + (offset + bytes)
                    + ") outside device buffer of " + byteSize + " bytes");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        runtime.release(this);
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + byteSize + " bytes @0x" + Long.toHexString(address) + (closed ? ", closed" : "")
                + "]";
    }
}
