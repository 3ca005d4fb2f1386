/*
 * Checkpoint files under crashes: a crash between filling the temporary folder and publishing it leaves
 * the previous checkpoint as "latest" and loadable; leftovers are removed on resume; a "latest" that names
 * a vanished folder falls back to the newest complete one; old checkpoints are pruned.
 */
package org.reformer4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    @TempDir
    Path run;

    @AfterEach
    void resetHook() {
        Checkpoints.beforePublish = () -> {};
    }

    private static Checkpoints.Writer files(long step) {
        return dir -> {
            for (String f : List.of(Checkpoints.CONFIG, Checkpoints.VOCAB, Checkpoints.MODEL, Checkpoints.TRAINER, Checkpoints.OPTIMIZER)) {
                Files.writeString(dir.resolve(f), f + " of step " + step);
            }
        };
    }

    private static String stepOf(Path ckpt) throws IOException {
        return Files.readString(ckpt.resolve(Checkpoints.TRAINER), StandardCharsets.UTF_8);
    }

    @Test
    void crashBeforePublishKeepsThePreviousCheckpoint() throws IOException {
        Checkpoints.save(run, 10, 2, files(10));
        Checkpoints.beforePublish = () -> {
            throw new IllegalStateException("simulated crash");
        };
        assertThrows(IllegalStateException.class, () -> Checkpoints.save(run, 20, 2, files(20)));
        Path latest = Checkpoints.latest(run).orElseThrow();
        assertEquals("step-00000010", latest.getFileName().toString());
        assertEquals("trainer.json of step 10", stepOf(latest));
        assertTrue(hasTemporary(), "the crash leaves the temporary folder behind");
        Checkpoints.removeLeftovers(run);
        assertFalse(hasTemporary());
        assertEquals(latest, Checkpoints.latest(run).orElseThrow());
    }

    private boolean hasTemporary() throws IOException {
        try (Stream<Path> s = Files.list(run.resolve(Checkpoints.FOLDER))) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-"));
        }
    }

    @Test
    void latestPointerToAMissingFolderFallsBackToTheNewestComplete() throws IOException {
        Checkpoints.save(run, 1, 5, files(1));
        Checkpoints.save(run, 2, 5, files(2));
        Files.writeString(run.resolve(Checkpoints.FOLDER).resolve(Checkpoints.LATEST), "step-00000099\n");
        assertEquals("step-00000002", Checkpoints.latest(run).orElseThrow().getFileName().toString());
        // an incomplete folder (a file missing) is never chosen
        Files.delete(run.resolve(Checkpoints.FOLDER).resolve("step-00000002").resolve(Checkpoints.MODEL));
        assertEquals("step-00000001", Checkpoints.latest(run).orElseThrow().getFileName().toString());
    }

    @Test
    void keepsTheNewestCheckpoints() throws IOException {
        for (long s = 1; s <= 5; s++) Checkpoints.save(run, s, 2, files(s));
        assertEquals(List.of(4L, 5L), Checkpoints.list(run.resolve(Checkpoints.FOLDER)).stream().map(Checkpoints::step).toList());
        assertEquals(5, Checkpoints.step(Checkpoints.latest(run).orElseThrow()));
    }

    @Test
    void noCheckpointInAnEmptyRun() throws IOException {
        assertTrue(Checkpoints.latest(run).isEmpty());
    }

    @Test
    void atomicWriteReplacesWholeFiles() throws IOException {
        Path f = run.resolve("x.json");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, "new content".getBytes(StandardCharsets.UTF_8));
        assertEquals("new content", Files.readString(f));
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }
}
