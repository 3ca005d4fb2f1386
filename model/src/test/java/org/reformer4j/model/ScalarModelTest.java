package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A user who starts the JVM without {@code --add-modules=jdk.incubator.vector} can train and sample a ReformerLM: the
 * fused float32 attention ops (whose classes hold Vector API species) step aside for their scalar forms (the LSH
 * chunks' float64 loops, full attention's graph of tensor ops). A child JVM without the module runs
 * {@link ScalarModelMain}; its losses equal this JVM's (with the module) within float32 rounding.
 */
class ScalarModelTest {
    @Test
    void lshAndFullAttentionTrainAndGenerateWithoutTheVectorModule() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), ScalarModelMain.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("uses its scalar CPU kernels"), "the child ran without the Vector API:\n" + out);
        for (int thres : new int[] {0, 256}) {
            String[] child = line(out, thres), here = ScalarModelMain.run(thres).split(" ");
            double a = Double.parseDouble(child[2]), b = Double.parseDouble(here[2]);
            assertTrue(Double.isFinite(a) && Math.abs(a - b) <= 1e-5 * Math.abs(b),
                    "fullAttnThres " + thres + ": loss without the module " + a + ", with it " + b);
            assertTrue(child[3].startsWith("[") && child[3].split(",").length == 12, "12 tokens: " + child[3]);
        }
    }

    private static String[] line(String out, int thres) {
        for (String l : out.split("\n")) if (l.startsWith("RESULT " + thres + " ")) return l.trim().split(" ");
        throw new AssertionError("no RESULT line for fullAttnThres " + thres + " in:\n" + out);
    }
}
