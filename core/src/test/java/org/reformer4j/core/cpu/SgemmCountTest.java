package org.reformer4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link Sgemm#countedFlops}: -1 unless switched on; 2 m n k per product, batches counted product by product. */
class SgemmCountTest {
    @Test
    void offUnlessTheJvmWasStartedWithTheProperty() {
        // this JVM (surefire's) does not set reformer4j.sgemm.count
        assertEquals(-1, Sgemm.countedFlops());
    }

    @Test
    void countsTwoMultiplyAddsOfEveryProduct() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--add-modules=jdk.incubator.vector", "-Dreformer4j.sgemm.count=true",
                "-Dreformer4j.sgemm.shapes=1", "-cp", System.getProperty("java.class.path"), SgemmCountMain.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish");
        assertEquals(0, p.exitValue(), out);
        long big = 2L * 300 * 100 * 200, tiny = big + 2 * 3 * 4 * 5, batch = tiny + 6 * 2L * 10 * 20 * 30;
        String want = "start 0 big " + big + " tiny " + tiny + " batch " + batch + " empty " + batch;
        assertTrue(out.contains(want), "want " + want + ", got:\n" + out);
        // the shape table printed at exit: one line per shape with its calls and operations (tiny products, run
        // unblocked, are not timed; batches count product by product)
        assertTrue(out.contains("sgemm shapes"), out);
        assertTrue(Pattern.compile("300x100x200 nn ld 200,100,100 \\d+t +calls +1 +0\\.012 GFLOP").matcher(out).find(), out);
        assertTrue(Pattern.compile("10x20x30 nn ld 30,20,20 \\d+t +calls +6 +0\\.000 GFLOP").matcher(out).find(), out);
        assertTrue(!out.contains("3x4x5"), out);
    }
}
