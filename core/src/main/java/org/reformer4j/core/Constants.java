package org.reformer4j.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Constants for the library's own read-only operands (0-d: a comparison's right side, a masked fill's value, the
 * zero of a where's gradient; rows of ones: a column sum's multiplier). On an accelerator each would cost a fill
 * launch every time it is made, so there they are made once per (device, dtype, value, length) and shared; on the
 * CPU a fresh tensor is as cheap. Never handed to a caller, who might write to it.
 */
final class Constants {
    private record Key(Device device, DType dtype, long bits, int length) {}

    private static final int MAX = 256;
    private static final Map<Key, Tensor> CACHE = new ConcurrentHashMap<>();

    private Constants() {}

    static Tensor of(double value, DType dtype, Device device) {
        if (device.isCpu()) return Tensor.scalar(value, dtype, device);
        return cached(new Key(device, dtype, Double.doubleToLongBits(value), -1), () -> Tensor.scalar(value, dtype, device));
    }

    /**
     * A [1, 1, n] row of {@code value} (the ones a column sum multiplies by), made once per (device, dtype, value, n)
     * on an accelerator for n up to 2^20; otherwise fresh.
     */
    static Tensor row(int n, double value, DType dtype, Device device) {
        if (device.isCpu() || n > 1 << 20) return Tensor.full(new int[] {1, 1, n}, value, dtype, device);
        return cached(new Key(device, dtype, Double.doubleToLongBits(value), n), () -> Tensor.full(new int[] {1, 1, n}, value, dtype, device));
    }

    private static Tensor cached(Key key, java.util.function.Supplier<Tensor> make) {
        Tensor t = CACHE.get(key);
        if (t != null) return t;
        if (CACHE.size() >= MAX) CACHE.clear(); // many distinct values: start over rather than grow
        t = Scope.detached(make);
        CACHE.put(key, t);
        return t;
    }
}
