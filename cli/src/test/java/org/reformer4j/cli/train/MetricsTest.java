/* Metrics: rows round-trip through metrics.csv; reopening for a resume drops rows past the checkpoint and a torn line. */
package org.reformer4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void resumeDropsRowsAfterTheCheckpoint() throws IOException {
        Path f = dir.resolve(Metrics.FILE);
        try (Metrics m = Metrics.open(f, 0)) {
            for (int s = 1; s <= 6; s++) m.append(new Metrics.Row(s, 0, 1e-3, 5.0f - s * 0.1f, s % 3 == 0 ? 4.5 : Double.NaN, s % 3 == 0 ? Math.exp(4.5) : Double.NaN, 100L * s, 1000, s));
        }
        Files.writeString(f, "7,0,0.001,4.", StandardOpenOption.APPEND); // torn by a crash
        List<Metrics.Row> rows = Metrics.read(f);
        assertEquals(6, rows.size());
        assertEquals((double) (5.0f - 0.3f), rows.get(2).trainLoss(), 0.0, "a float32 loss survives the text form exactly");
        assertEquals(4.5, rows.get(2).valLoss());
        assertTrue(Double.isNaN(rows.get(1).valLoss()));
        try (Metrics m = Metrics.open(f, 4)) {
            m.append(new Metrics.Row(5, 0, 1e-3, 1.0, Double.NaN, Double.NaN, 1, 1, 1));
        }
        List<Metrics.Row> after = Metrics.read(f);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), after.stream().map(Metrics.Row::step).toList());
        assertEquals(1.0, after.get(4).trainLoss());
    }
}
