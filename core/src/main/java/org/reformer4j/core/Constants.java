package org.reformer4j.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 0-d constants for the library's own read-only operands (a comparison's right side, a masked fill's value, the
 * zero of a where's gradient). On an accelerator each would cost a fill launch every time it is made, so there
 * they are made once per (device, dtype, value) and shared; on the CPU a fresh scalar is as cheap. Never handed
 * to a caller, who might write to it.
 */
final class Constants {
    private record Key(Device device, DType dtype, long bits) {}

    private static final int MAX = 256;
    private static final Map<Key, Tensor> CACHE = new ConcurrentHashMap<>();

    private Constants() {}

    static Tensor of(double value, DType dtype, Device device) {
        if (device.isCpu()) return Tensor.scalar(value, dtype, device);
        Key key = new Key(device, dtype, Double.doubleToLongBits(value));
        Tensor t = CACHE.get(key);
        if (t != null) return t;
        if (CACHE.size() >= MAX) CACHE.clear(); // many distinct values: start over rather than grow
        t = Scope.detached(() -> Tensor.scalar(value, dtype, device));
        CACHE.put(key, t);
        return t;
    }
}
