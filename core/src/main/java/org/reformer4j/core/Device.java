package org.reformer4j.core;

import java.util.Objects;

/**
 * Where a tensor's storage lives: the CPU, or a numbered accelerator of a backend (e.g. "cuda:0").
 * Devices are values; {@link Backends} maps a device to the backend that runs its ops.
 */
public record Device(String type, int index) {
    /** The host CPU. */
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        Objects.requireNonNull(type, "type");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    /** Parses "cpu", "cuda", "cuda:1". */
    public static Device parse(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) return spec.equals("cpu") ? CPU : new Device(spec, 0);
        return new Device(spec.substring(0, colon), Integer.parseInt(spec.substring(colon + 1)));
    }

    /** The best device available: the first accelerator a backend offers, else the CPU. */
    public static Device best() {
        return Backends.best();
    }

    public boolean isCpu() {
        return type.equals("cpu");
    }

    @Override
    public String toString() {
        return isCpu() ? "cpu" : type + ":" + index;
    }
}
