package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the sources small and self-describing (STYLE.md): no source file of any module over
 * {@value #MAX_LINES} lines, and every Java file opens with a comment saying what it does.
 */
class SourceLayoutTest {
    static final int MAX_LINES = 900;

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (int i = 0; i < 3 && p != null; i++, p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("core"))) return p;
        }
        return null;
    }

    @Test
    void sourceFilesAreShortAndDocumented() throws IOException {
        Path root = repoRoot();
        assumeTrue(root != null, "repository root not found from " + Path.of("").toAbsolutePath());
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String s = root.relativize(f).toString();
                if (s.startsWith(".git") || s.contains("/target/") || !s.contains("/src/")) continue;
                if (!(s.endsWith(".java") || s.endsWith(".cu") || s.endsWith(".cuh") || s.endsWith(".h"))) continue;
                List<String> lines = Files.readAllLines(f);
                if (lines.size() > MAX_LINES) problems.add(s + ": " + lines.size() + " lines (limit " + MAX_LINES + ")");
                if (s.endsWith(".java") && s.contains("/src/main/")) {
                    boolean doc = false;
                    for (String l : lines) {
                        String t = l.trim();
                        if (t.startsWith("/**") || t.startsWith("/*") || t.startsWith("//")) {
                            doc = true;
                            break;
                        }
                        if (t.startsWith("public ") || t.startsWith("final ") || t.startsWith("class ")
                                || t.startsWith("interface ") || t.startsWith("enum ") || t.startsWith("record ")) break;
                    }
                    if (!doc) problems.add(s + ": no opening comment before the type declaration");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
