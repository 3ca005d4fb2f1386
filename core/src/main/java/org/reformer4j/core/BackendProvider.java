package org.reformer4j.core;

import java.util.Optional;

/**
 * Service interface ({@code META-INF/services/org.reformer4j.core.BackendProvider}) through which a
 * module offers a backend by name. {@link #open()} either returns a working backend or says why not; it
 * must never crash the JVM (e.g. probe for a GPU driver before loading native wrappers).
 */
public interface BackendProvider {
    /** The device type it serves, e.g. "cuda". */
    String name();

    /** The backend, or empty with {@link #unavailableReason()} set. */
    Optional<Backend> open();

    /** Why {@link #open()} returned empty (e.g. "libcuda.so.1 not found"). */
    String unavailableReason();

    /** Number of devices of this type once open (1 or more). */
    default int deviceCount() {
        return 1;
    }
}
