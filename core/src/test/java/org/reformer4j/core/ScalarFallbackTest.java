package org.reformer4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A user who starts the JVM without {@code --add-modules=jdk.incubator.vector} gets the scalar kernels,
 * correct results and one log line saying how to get the SIMD path: runs the MLP demo in a child JVM
 * without the module and checks that it trains and that the line is printed once.
 */
class ScalarFallbackTest {
    @Test
    void trainsWithoutTheVectorModuleAndSaysHowToEnableIt() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "org.reformer4j.core.demo.MlpDemo", "300"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "demo did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("Vector API off"), out);
        int hints = out.split("--add-modules=jdk.incubator.vector", -1).length - 1;
        assertEquals(1, hints, "one log line with the hint:\n" + out);
        String acc = out.substring(out.indexOf("accuracy ") + 9, out.indexOf('%', out.indexOf("accuracy ")));
        assertTrue(Double.parseDouble(acc) > 90, "a two-layer MLP separates the spiral: " + out);
    }

    /** Every float32 kernel family (unary functions, rows, layer norm, comparisons, where) runs its scalar loop there. */
    @Test
    void everyKernelFamilyRunsWithoutTheVectorModule() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "org.reformer4j.core.ScalarOpsMain"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("jdk.incubator.vector is not loaded") && out.strip().endsWith("ok"), out);
    }
}
