/*
 * Crash-safe file writes for run folders: bytes go to a temporary file in the target's folder, which is
 * fsynced and then renamed over the target with ATOMIC_MOVE (and the folder fsynced), so a reader finds
 * the old file or the complete new one, never a part. Folders are published the same way: filled under a
 * temporary name, fsynced, then renamed into place.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

public final class AtomicFiles {
    private AtomicFiles() {}

    /** Replaces {@code target} with {@code bytes} atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames a complete folder {@code from} to {@code to} (which must not exist) atomically, after syncing its files. */
    public static void publishDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) syncFile(f);
            }
        }
        syncDirectory(from);
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(to.toAbsolutePath().getParent());
    }

    /** Deletes a folder and everything in it (no error when absent). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }

    static void syncFile(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Best effort: makes renames durable where the platform can open a folder. */
    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // some platforms cannot fsync a folder; the files themselves are synced
        }
    }
}
