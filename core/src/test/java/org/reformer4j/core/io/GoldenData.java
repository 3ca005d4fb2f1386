package org.reformer4j.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the shared golden fixtures live: system property {@code reformer4j.golden}, else
 * {@code <reformer4j.shared>/data/golden}, else {@code ../shared/data/golden}. Tests that need them skip
 * (JUnit assumption) with a message naming the folder when it is absent.
 */
public final class GoldenData {
    private GoldenData() {}

    /** The golden root folder (may not exist). */
    public static Path root() {
        String golden = System.getProperty("reformer4j.golden");
        if (golden != null && !golden.isBlank()) return Path.of(golden);
        String shared = System.getProperty("reformer4j.shared");
        Path base = shared != null && !shared.isBlank() ? Path.of(shared) : Path.of("..", "shared");
        return base.resolve("data").resolve("golden");
    }

    /** Every fixture folder (sorted) holding {@code file}; skips the test when there is none. */
    public static List<Path> fixturesWith(String file) throws IOException {
        Path root = root();
        Assumptions.assumeTrue(Files.isDirectory(root), "golden fixtures not found at " + root.toAbsolutePath()
                + " (set -Dreformer4j.golden or -Dreformer4j.shared)");
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve(file))).sorted().toList();
        }
        Assumptions.assumeFalse(dirs.isEmpty(), "no fixture folder under " + root + " holds " + file);
        return dirs;
    }
}
