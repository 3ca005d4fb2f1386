package org.reformer4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JSON reader against RFC 8259 examples and malformed inputs; the writer by round trip. */
class JsonTest {

    @Test
    void readsEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, -0.25E-2, true, false, null],"
                + " \"b\": {\"c\": \"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}, \"big\": 123456789012345678901} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -2L, 3.5, 1000.0, -0.0025, true, false), ((List<?>) m.get("a")).subList(0, 7));
        assertNull(((List<?>) m.get("a")).get(7));
        assertEquals("x\"y\\z/\b\f\n\r\té\uD83D\uDE00", ((Map<?, ?>) m.get("b")).get("c"));
        assertEquals(1.2345678901234568e20, m.get("big"));
        assertEquals(List.of("a", "b", "big"), List.copyOf(m.keySet()), "key order kept");
        assertEquals(Map.of(), Json.parse("{}"));
        assertEquals(List.of(), Json.parse("[ ]"));
        assertEquals("é", Json.parse("\"é\""));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "01", "1.", "-", "1e",
        "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"a\tb\"", "tru", "nul", "{} x", "[1]]", "{\"a\":1,\"a\":2}", "+1",
        "NaN", "'a'", "\"\\u12\""})
    void refusesMalformedInputWithAPosition(String text) {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
    }

    @Test
    void duplicateKeysAndDeepNestingAreNamed() {
        var dup = assertThrows(Json.ParseException.class, () -> Json.parse("{\"w\": 1,\n \"w\": 2}"));
        assertTrue(dup.getMessage().contains("duplicate key \"w\"") && dup.getMessage().contains("line 2"),
                dup.getMessage());
        var deep = assertThrows(Json.ParseException.class, () -> Json.parse("[".repeat(100_000)));
        assertTrue(deep.getMessage().contains("nesting deeper"), deep.getMessage());
    }

    @Test
    void writerRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\"\\\n\u0001é");
        m.put("l", List.of(1L, 2.5, -3L, true, false));
        m.put("n", null);
        m.put("o", Map.of("x", List.of()));
        m.put("d", 1.0);
        String text = Json.write(m);
        assertEquals(m, Json.parse(text));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
