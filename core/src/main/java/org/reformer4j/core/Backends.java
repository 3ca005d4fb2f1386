package org.reformer4j.core;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.reformer4j.core.cpu.CpuBackend;

/**
 * Finds backends by device type: the CPU is built in, others come from {@link BackendProvider}s found
 * by {@link ServiceLoader}. Asking for a device whose backend cannot start is an error that says why.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger("org.reformer4j");
    private static final Backend CPU = new CpuBackend();
    private static final Map<String, Backend> OPEN = new ConcurrentHashMap<>();
    private static volatile Device best;

    private Backends() {}

    public static Backend cpu() {
        return CPU;
    }

    /** The backend that runs tensors on {@code device}. */
    public static Backend of(Device device) {
        if (device.isCpu()) return CPU;
        Backend b = OPEN.get(device.type());
        if (b != null) return b;
        synchronized (Backends.class) {
            b = OPEN.get(device.type());
            if (b != null) return b;
            String why = "no backend module for '" + device.type() + "' is on the class path";
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (!p.name().equals(device.type())) continue;
                var opened = p.open();
                if (opened.isPresent()) {
                    OPEN.put(device.type(), opened.get());
                    return opened.get();
                }
                why = p.unavailableReason();
            }
            throw new IllegalStateException("device " + device + " is not available: " + why);
        }
    }

    /** True when a backend for {@code type} can start. */
    public static boolean isAvailable(String type) {
        if (type.equals("cpu")) return true;
        try {
            of(new Device(type, 0));
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** The first accelerator that starts, else the CPU; logs the choice once. */
    static Device best() {
        Device d = best;
        if (d != null) return d;
        synchronized (Backends.class) {
            if (best != null) return best;
            Device chosen = Device.CPU;
            StringBuilder why = new StringBuilder();
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (p.open().isPresent()) {
                    chosen = new Device(p.name(), 0);
                    break;
                }
                why.append(p.name()).append(": ").append(p.unavailableReason()).append("; ");
            }
            LOG.info("reformer4j device: " + chosen + (chosen.isCpu() && !why.isEmpty() ? " (" + why.toString().trim() + ")" : ""));
            best = chosen;
            return chosen;
        }
    }
}
