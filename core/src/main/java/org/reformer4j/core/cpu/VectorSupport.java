package org.reformer4j.core.cpu;

import java.util.logging.Logger;

/**
 * Whether the Vector API ({@code jdk.incubator.vector}) is usable in this JVM. Classes that use it are
 * only loaded when {@link #ENABLED} is true; otherwise the scalar loops run, and one log line says how
 * to get the fast path. The system property {@code reformer4j.vector=false} forces the scalar path
 * (tests use it to compare both).
 */
public final class VectorSupport {
    /** True when {@code jdk.incubator.vector} is in the boot layer and not disabled by property. */
    public static final boolean ENABLED = detect();

    private VectorSupport() {}

    private static boolean detect() {
        if (!Boolean.parseBoolean(System.getProperty("reformer4j.vector", "true"))) return false;
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!present) {
            Logger.getLogger("org.reformer4j").info(
                    "jdk.incubator.vector is not loaded: reformer4j uses its scalar CPU kernels. "
                            + "Start the JVM with --add-modules=jdk.incubator.vector for the SIMD path.");
        }
        return present;
    }
}
