package org.reformer4j.core;

/**
 * A flat buffer of {@code length} elements of one dtype on one device; tensors are strided views of it.
 * On the CPU {@code data} is a {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]} or
 * {@code boolean[]}; other backends keep their own handle there (a device pointer). A storage created
 * inside a {@link Scope} is released when the scope closes, unless a tensor on it was kept; touching a
 * released storage throws instead of reading recycled memory.
 */
public final class Storage {
    private static final java.util.concurrent.atomic.AtomicLong MADE = new java.util.concurrent.atomic.AtomicLong();
    private final Device device;
    private final DType dtype;
    private final int length;
    /** Creation order: the autograd engine recycles only gradients it saw made (serial after its start). */
    private final long serial = MADE.incrementAndGet();
    /** Whether the buffer came from the backend's allocator (so that no one outside holds it: it may be recycled). */
    private final boolean allocated;
    private Object data;
    /** Why the buffer is gone (null while it is here). */
    private String gone;

    /** A storage over a buffer the caller made (never recycled before its scope closes). */
    public Storage(Device device, DType dtype, int length, Object data) {
        this(device, dtype, length, data, false);
    }

    private Storage(Device device, DType dtype, int length, Object data, boolean allocated) {
        this.device = device;
        this.dtype = dtype;
        this.length = length;
        this.data = data;
        this.allocated = allocated;
    }

    /** A storage over a buffer the backend just allocated for it (what {@link Backend#allocate} returns). */
    public static Storage allocated(Device device, DType dtype, int length, Object data) {
        return new Storage(device, dtype, length, data, true);
    }

    /** The serial of the newest storage made so far (any thread). */
    public static long newestSerial() {
        return MADE.get();
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
            throw new IllegalStateException("tensor storage (" + dtype + "[" + length + "] on " + device + ") was used after "
                    + (gone != null ? gone : "the Scope that created it closed; call Scope.keep on tensors that must outlive it"));
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

    /**
     * For the autograd engine: hands back a CPU gradient's buffer after its last use, when the backend allocated it
     * after {@code serial} (made during the backward that is done with it, so nothing older holds it). Returns
     * whether it did. The garbage collector would free it too, later; the pool gives it to the next allocation
     * of the same size instead (the next layer's backward makes the same shapes), which spares the allocator
     * zeroing it and the collector finding it.
     */
    public boolean recycleGradient(long serial) {
        if (!allocated || this.serial <= serial || data == null || !device.isCpu()) return false;
        gone = "the autograd engine recycled it: a gradient handed to a backward function is recycled once that "
                + "function has returned (clone it to keep it)";
        release();
        return true;
    }
}
