package org.reformer4j.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The on-disk cache of compiled kernels (CUBINs from NVRTC, shared libraries from the emulator's g++), one
 * file per (source, headers, compiler, options), named {@code <file>-<hash>.<ext>}. The folder is the system
 * property {@value #CACHE_DIR_PROPERTY}, else {@code ~/.cache/reformer4j/kernels}. Files are written to a
 * temporary name and moved into place, so concurrent JVMs never read half a file.
 */
final class CompileCache {
    static final String CACHE_DIR_PROPERTY = "reformer4j.kernels.cache";

    /** Produces the compiled bytes into {@code target}. */
    interface Producer {
        void produce(Path target) throws IOException;
    }

    private CompileCache() {}

    static Path dir() {
        String p = System.getProperty(CACHE_DIR_PROPERTY);
        Path dir = p != null && !p.isBlank() ? Path.of(p)
                : Path.of(System.getProperty("user.home"), ".cache", "reformer4j", "kernels");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating kernel cache folder " + dir, e);
        }
    }

    /** The cached file for {@code key}, produced first if absent. */
    static Path get(String fileName, String key, String ext, Producer producer) {
        String stem = fileName.replaceAll("[^A-Za-z0-9_.-]", "_");
        Path target = dir().resolve(stem + "-" + key.substring(0, 24) + "." + ext);
        if (Files.isRegularFile(target)) return target;
        try {
            Path tmp = Files.createTempFile(target.getParent(), stem + "-", ".tmp");
            try {
                producer.produce(tmp);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("writing compiled kernel " + target, e);
        }
    }
}
