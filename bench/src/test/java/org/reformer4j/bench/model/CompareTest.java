package org.reformer4j.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ModelBench's comparison by turns: how its two sides are read from the options, and its median. */
class CompareTest {
    @Test
    void jvmOptionSetsShareThisBuildsClassPath() {
        List<Compare.Side> s = Compare.sides(Map.of("compare-jvm", "-XX:+UseParallelGC | -XX:+UseG1GC -Dx=1"));
        assertEquals(2, s.size());
        assertEquals("-XX:+UseParallelGC", s.get(0).jvm());
        assertEquals("-XX:+UseG1GC -Dx=1", s.get(1).jvm());
        assertEquals(System.getProperty("java.class.path"), s.get(1).classPath());
        assertEquals("", Compare.sides(Map.of("compare-jvm", "|-Dx=2")).get(0).jvm(), "an empty side runs without options");
    }

    @Test
    void badSidesAreRefusedWithTheirText() {
        var none = assertThrows(IllegalArgumentException.class, () -> Compare.sides(Map.of()));
        assertTrue(none.getMessage().contains("--compare"), none.getMessage());
        var both = assertThrows(IllegalArgumentException.class, () -> Compare.sides(Map.of("compare", "a,b", "compare-jvm", "x|y")));
        assertTrue(both.getMessage().contains("either"), both.getMessage());
        var three = assertThrows(IllegalArgumentException.class, () -> Compare.sides(Map.of("compare-jvm", "a|b|c")));
        assertTrue(three.getMessage().contains("a|b|c"), three.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> Compare.sides(Map.of("compare", "/no/such/old.jar,/no/such/new.jar")));
        assertTrue(missing.getMessage().contains("/no/such/old.jar"), missing.getMessage());
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Compare.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Compare.median(new double[] {4, 1, 3, 2}));
    }
}
