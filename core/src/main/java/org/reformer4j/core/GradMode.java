package org.reformer4j.core;

/**
 * The scoped no-grad switch: inside {@code try (var g = GradMode.noGrad()) { ... }} ops record no
 * autograd graph. Per thread; nests.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<int[]> DISABLED = ThreadLocal.withInitial(() -> new int[1]);
    private boolean closed;

    private GradMode() {}

    /** Turns gradient recording off until the returned handle is closed. */
    public static GradMode noGrad() {
        DISABLED.get()[0]++;
        return new GradMode();
    }

    /** True when ops should record the graph. */
    public static boolean isEnabled() {
        return DISABLED.get()[0] == 0;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        DISABLED.get()[0]--;
    }
}
