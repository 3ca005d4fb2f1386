/*
 * A child-process entry point for the kill -9 test: runs the command line with a pause inside the
 * publication of the second checkpoint (after its files are written, before the folder is renamed into
 * place), creating a marker file when the pause starts so that the test knows when to kill the process.
 */
package org.reformer4j.cli.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.reformer4j.cli.Io;
import org.reformer4j.cli.Main;

public final class SlowCheckpointMain {
    private SlowCheckpointMain() {}

    public static void main(String[] args) {
        Path marker = Path.of(args[0]);
        AtomicInteger calls = new AtomicInteger();
        Checkpoints.beforePublish = () -> {
            if (calls.incrementAndGet() != 2) return;
            try {
                Files.writeString(marker, "writing the second checkpoint");
                Thread.sleep(120_000);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        int status = Main.run(new Io(System.out, System.err, false, true), Arrays.copyOfRange(args, 1, args.length));
        System.exit(status);
    }
}
