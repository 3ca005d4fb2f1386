package org.reformer4j.kernels.backend;

import java.util.Optional;
import java.util.logging.Logger;
import org.reformer4j.core.Backend;
import org.reformer4j.core.BackendProvider;
import org.reformer4j.cuda.CudaProbe;
import org.reformer4j.cuda.CudaRuntimes;
import org.reformer4j.cuda.CudaUnavailableException;

/**
 * The "cuda" backend for {@link java.util.ServiceLoader}: opens the GPU when the driver probe (which never
 * loads JavaCPP's CUDA classes where there is no driver) finds a usable device, else stays closed and says
 * why. With the system property {@value #EMULATE_PROPERTY}{@code =true} it opens the CUDA emulator as cuda:0
 * instead (a test device: the same .cu kernels compiled by g++ and run on the CPU), with one log line.
 * The backend is opened once per JVM and shared by every provider instance.
 */
public final class CudaBackendProvider implements BackendProvider {
    public static final String EMULATE_PROPERTY = "reformer4j.cuda.emulate";
    private static final Logger LOG = Logger.getLogger("org.reformer4j");
    private static CudaBackend opened;
    private static String reason = "not opened yet";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Optional<Backend> open() {
        synchronized (CudaBackendProvider.class) {
            if (opened != null) return Optional.of(opened);
            if (Boolean.getBoolean(EMULATE_PROPERTY)) {
                opened = new CudaBackend(CudaRuntimes.emulator());
                LOG.info("cuda:0 is the CUDA emulator (" + EMULATE_PROPERTY + "=true): "
                        + opened.runtime().description() + "; a test device, not a fast path");
                return Optional.of(opened);
            }
            CudaProbe probe = CudaRuntimes.probe();
            if (!probe.available()) {
                reason = probe.reason() + " (-D" + EMULATE_PROPERTY + "=true opens the CUDA emulator for tests)";
                return Optional.empty();
            }
            try {
                opened = new CudaBackend(CudaRuntimes.gpu());
                LOG.info("cuda:0 is " + opened.runtime().description());
                return Optional.of(opened);
            } catch (CudaUnavailableException | LinkageError e) {
                reason = e.getMessage();
                return Optional.empty();
            }
        }
    }

    @Override
    public String unavailableReason() {
        synchronized (CudaBackendProvider.class) {
            return reason;
        }
    }
}
