/*
 * kill -9 during a checkpoint write: a child JVM trains with a checkpoint every 3 steps and is killed
 * (SIGKILL) while the second checkpoint's files are written but not yet published. The run folder then
 * holds the first checkpoint as "latest" plus a temporary folder; resuming removes the leftover, redoes
 * only the steps since step 3, and ends with exactly the losses and weights of an uninterrupted run.
 */
package org.reformer4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reformer4j.cli.Cli;

class KillDuringCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void resumesFromTheLastCompleteCheckpoint() throws Exception {
        Path killed = tmp.resolve("killed"), reference = tmp.resolve("reference"), marker = tmp.resolve("marker");
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(Cli.TINY);
        args.addAll(List.of("--steps", "8", "--checkpoint-every", "3", "--eval-every", "4", "--samples", "0"));

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Xmx1g", "-Dreformer4j.vector=" + System.getProperty("reformer4j.vector", "true"), "-cp", System.getProperty("java.class.path"),
                SlowCheckpointMain.class.getName(), marker.toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("-o", killed.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(Files.exists(marker), "the child never reached its second checkpoint: " + Files.readString(tmp.resolve("child.log")));
        } finally {
            p.destroyForcibly(); // SIGKILL
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertEquals("step-00000003", Files.readString(killed.resolve("checkpoints/latest")).strip());
        try (Stream<Path> s = Files.list(killed.resolve("checkpoints"))) {
            assertTrue(s.anyMatch(x -> x.getFileName().toString().startsWith(".tmp-step-00000006")), "the interrupted write is left behind");
        }

        List<String> resume = List.of("train", "--resume", "-o", killed.toString());
        Cli.Result r = Cli.run(resume.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("resuming    from step-00000003"), r.out());
        try (Stream<Path> s = Files.list(killed.resolve("checkpoints"))) {
            assertTrue(s.noneMatch(x -> x.getFileName().toString().startsWith(".tmp-")), "leftovers removed");
        }

        List<String> ref = new ArrayList<>(args);
        ref.addAll(List.of("-o", reference.toString()));
        Cli.Result u = Cli.run(ref.toArray(new String[0]));
        assertEquals(0, u.status(), u.err());
        List<Metrics.Row> a = Metrics.read(reference.resolve(Metrics.FILE)), b = Metrics.read(killed.resolve(Metrics.FILE));
        assertEquals(a.stream().map(Metrics.Row::step).toList(), b.stream().map(Metrics.Row::step).toList());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 0.0, "step " + a.get(i).step());
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 0.0, "step " + a.get(i).step());
        }
        assertArrayEquals(Files.readAllBytes(reference.resolve("checkpoints/step-00000008/model.safetensors")),
                Files.readAllBytes(killed.resolve("checkpoints/step-00000008/model.safetensors")));
    }

    static String log(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
