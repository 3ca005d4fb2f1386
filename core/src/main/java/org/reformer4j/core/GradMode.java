package org.reformer4j.core;

/**
 * The scoped no-grad switch: inside {@code try (var g = GradMode.noGrad()) { ... }} ops record no
 * autograd graph. Per thread; nests.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<int[]> DISABLED = ThreadLocal.withInitial(() -> new int[1]);
    private final int restore;
    private boolean closed;

    private GradMode(int restore) {
        this.restore = restore;
    }

    /** Turns gradient recording off until the returned handle is closed. */
    public static GradMode noGrad() {
        DISABLED.get()[0]++;
        return new GradMode(-1);
    }

    /**
     * Turns gradient recording back on until the returned handle is closed, whatever switches are open
     * (torch.enable_grad): a fused op's backward that recomputes its forward under autograd uses it.
     */
    public static GradMode enableGrad() {
        int[] c = DISABLED.get();
        GradMode g = new GradMode(c[0]);
        c[0] = 0;
        return g;
    }

    /** True when ops should record the graph. */
    public static boolean isEnabled() {
        return DISABLED.get()[0] == 0;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (restore >= 0) DISABLED.get()[0] = restore;
        else DISABLED.get()[0]--;
    }
}
