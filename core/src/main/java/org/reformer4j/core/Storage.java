package org.reformer4j.core;

/**
 * A flat buffer of {@code length} elements of one dtype on one device; tensors are strided views of it.
 * On the CPU {@code data} is a {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]} or
 * {@code boolean[]}; other backends keep their own handle there (a device pointer). A storage created
 * inside a {@link Scope} is released when the scope closes, unless a tensor on it was kept; touching a
 * released storage throws instead of reading recycled memory.
 */
public final class Storage {
    private final Device device;
    private final DType dtype;
    private final int length;
    private Object data;

    public Storage(Device device, DType dtype, int length, Object data) {
        this.device = device;
        this.dtype = dtype;
        this.length = length;
        this.data = data;
    }

    public Device device() {
        return device;
    }

    public DType dtype() {
        return dtype;
    }

    public int length() {
        return length;
    }

    /** The backend's buffer; throws if the storage was released by its scope. */
    public Object data() {
        Object d = data;
        if (d == null) {
            throw new IllegalStateException("tensor storage (" + dtype + "[" + length + "] on " + device
                    + ") was used after the Scope that created it closed; call Scope.keep on tensors that must outlive it");
        }
        return d;
    }

    boolean isReleased() {
        return data == null;
    }

    /** Hands the buffer back to its backend's pool; the storage is unusable afterwards. */
    void release() {
        Object d = data;
        if (d == null) return;
        data = null;
        Backends.of(device).release(this, d);
    }
}
