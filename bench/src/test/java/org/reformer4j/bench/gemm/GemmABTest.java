package org.reformer4j.bench.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.cpu.Sgemm;

/**
 * {@link GemmAB} loads each build in a class loader of its own (not the benchmark's core) and compares their results;
 * bad paths are refused by name.
 */
class GemmABTest {
    private static String coreLocation() throws Exception {
        return Path.of(Sgemm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void twoLoadsOfOneBuildAreSeparateAndAgree() throws Throwable {
        String core = coreLocation();
        GemmAB.Build a = GemmAB.Build.load(core), b = GemmAB.Build.load(core);
        Class<?> ca = a.loader().loadClass("org.reformer4j.core.cpu.Sgemm"), cb = b.loader().loadClass("org.reformer4j.core.cpu.Sgemm");
        assertNotSame(Sgemm.class, ca, "A's Sgemm comes from its own loader");
        assertNotSame(ca, cb, "A and B do not share classes");
        for (String shape : new String[] {"13x33x17", "20x9x31:tn", "7x40x12:nt", "16x16x16:tt"}) {
            GemmAB.Result r = GemmAB.compare(shape, new GemmAB.Build[] {a, b}, 1, 2, 0);
            assertEquals(0.0, r.relativeDifference(), shape + ": one build, the same bits");
            assertTrue(r.a() > 0 && r.b() > 0, shape + ": timed");
        }
    }

    @Test
    void badPathsAreRefusedByName() throws Exception {
        var missing = assertThrows(IllegalArgumentException.class, () -> GemmAB.Build.load("/no/such/core.jar"));
        assertTrue(missing.getMessage().contains("/no/such/core.jar"), missing.getMessage());
        String empty = java.nio.file.Files.createTempDirectory("gemm-ab").toString();
        var noCore = assertThrows(IllegalArgumentException.class, () -> GemmAB.Build.load(empty));
        assertTrue(noCore.getMessage().contains(empty) && noCore.getMessage().contains("Sgemm"), noCore.getMessage());
    }
}
