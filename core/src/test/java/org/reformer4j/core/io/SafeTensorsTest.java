package org.reformer4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * safetensors round trips of every dtype, the byte layout against a file assembled by hand from the
 * format's definition, and the conversions against hand-computed values.
 */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file assembled by hand: u64-LE header length, header, data. */
    static byte[] handMade(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void readsAHandMadeFile() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(8 + 16 + 3 + 4).order(ByteOrder.LITTLE_ENDIAN);
        d.putFloat(1.5f).putFloat(-2f);                     // a: F32 [2]
        d.putLong(-7).putLong(1L << 40);                     // b: I64 [2, 1]
        d.put((byte) 1).put((byte) 0).put((byte) 1);         // c: BOOL [3]
        d.putShort((short) 0x3C00).putShort((short) 0x3F80); // e: F16 1.0, f: BF16 1.0
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"c\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[24,27]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[2,1],\"data_offsets\":[8,24]},"
                + "\"e\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[27,29]},"
                + "\"f\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[29,31]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[31,31]}}   ";
        Path p = dir.resolve("hand.safetensors");
        Files.write(p, handMade(header, d.array()));
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(List.of("c", "a", "b", "e", "f", "z"), List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertArrayEquals(new float[] {1.5f, -2f}, st.floats("a"));
            assertArrayEquals(new double[] {1.5, -2}, st.doubles("a"));
            assertArrayEquals(new long[] {-7, 1L << 40}, st.longs("b"));
            assertArrayEquals(new long[] {2, 1}, st.shape("b"));
            assertArrayEquals(new boolean[] {true, false, true}, st.bools("c"));
            assertArrayEquals(new float[] {1f}, st.floats("e"));
            assertArrayEquals(new long[] {}, st.shape("e"));
            assertArrayEquals(new float[] {1f}, st.floats("f"));
            assertEquals(0, st.floats("z").length);
            assertEquals("I64", st.dtype("b"));
            var e = assertThrows(IllegalArgumentException.class, () -> st.ints("b"));
            assertTrue(e.getMessage().contains("1099511627776"), e.getMessage());
            var w = assertThrows(IllegalArgumentException.class, () -> st.floats("b"));
            assertTrue(w.getMessage().contains("dtype I64"), w.getMessage());
            var missing = assertThrows(IllegalArgumentException.class, () -> st.floats("nope"));
            assertTrue(missing.getMessage().contains("'nope'"), missing.getMessage());
        }
    }

    @Test
    void roundTripsEveryDtype() throws IOException {
        float[] f = {0f, -0f, 1f, -1.25f, 3.4e38f, 1e-45f, Float.POSITIVE_INFINITY, Float.NaN, (float) Math.PI};
        double[] dd = {0, -1e-300, Math.E, Double.MAX_VALUE, Double.NEGATIVE_INFINITY, Double.NaN};
        long[] l = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 33};
        int[] i = {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE, 12};
        boolean[] b = {true, false, false, true, true};
        // Values exact in both half formats: round trip unchanged.
        float[] halfExact = {0f, 1f, -2f, 0.5f, 0.375f, 24.5f, -0.0078125f, 96f};
        Path p = dir.resolve("all.safetensors");
        new SafeTensorsWriter().metadata("format", "pt").metadata("note", "é \"quoted\"")
                .add("f32", SafeTensorsDtype.F32, new long[] {3, 3}, f)
                .add("f64", SafeTensorsDtype.F64, new long[] {2, 3}, dd)
                .add("f32_as_f64", SafeTensorsDtype.F64, new long[] {9}, f)
                .add("f16", SafeTensorsDtype.F16, new long[] {8}, halfExact)
                .add("bf16", SafeTensorsDtype.BF16, new long[] {2, 2, 2}, halfExact)
                .add("i64", SafeTensorsDtype.I64, new long[] {6}, l)
                .add("i32", SafeTensorsDtype.I32, new long[] {2, 3}, i)
                .add("i32_as_i64", SafeTensorsDtype.I64, new long[] {6}, i)
                .add("bool", new long[] {5}, b)
                .add("scalar", SafeTensorsDtype.F32, new long[] {}, new float[] {42f})
                .add("empty", SafeTensorsDtype.I64, new long[] {0}, new long[0])
                .write(p);
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8");
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "é \"quoted\""), st.metadata());
            assertArrayEquals(f, st.floats("f32"));
            assertArrayEquals(new long[] {3, 3}, st.shape("f32"));
            assertArrayEquals(dd, st.doubles("f64"));
            assertArrayEquals(f, st.floats("f32_as_f64"));
            assertArrayEquals(halfExact, st.floats("f16"));
            assertArrayEquals(halfExact, st.floats("bf16"));
            assertEquals("BF16", st.dtype("bf16"));
            assertArrayEquals(l, st.longs("i64"));
            assertArrayEquals(i, st.ints("i32"));
            assertArrayEquals(i, st.ints("i32_as_i64"));
            assertArrayEquals(new long[] {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE, 12}, st.longs("i32"));
            assertArrayEquals(b, st.bools("bool"));
            assertArrayEquals(new float[] {42f}, st.floats("scalar"));
            assertEquals(0, st.longs("empty").length);
            assertEquals(8L * 6, st.segment("i64").byteSize());
        }
    }

    @Test
    void halfPrecisionRoundsToNearestEven() {
        // bfloat16 keeps 7 mantissa bits: ulp(1) = 2^-7. 1 + 2^-8 is a tie -> 1 (even); 1 + 3*2^-8 -> 1 + 2^-6.
        assertEquals(1f, SafeTensorsDtype.bf16ToFloat(SafeTensorsDtype.floatToBf16(1f + 0x1p-8f)));
        assertEquals(1f + 0x1p-6f, SafeTensorsDtype.bf16ToFloat(SafeTensorsDtype.floatToBf16(1f + 3 * 0x1p-8f)));
        assertEquals(1f + 0x1p-7f, SafeTensorsDtype.bf16ToFloat(SafeTensorsDtype.floatToBf16(1f + 0x1p-7f + 0x1p-12f)));
        assertEquals((short) 0x3F80, SafeTensorsDtype.floatToBf16(1f));
        assertEquals((short) 0xC000, SafeTensorsDtype.floatToBf16(-2f));
        assertTrue(Float.isNaN(SafeTensorsDtype.bf16ToFloat(SafeTensorsDtype.floatToBf16(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, SafeTensorsDtype.bf16ToFloat(SafeTensorsDtype.floatToBf16(Float.MAX_VALUE)));
        // binary16 keeps 10 mantissa bits: 1 + 2^-11 is a tie -> 1; 65520 overflows to infinity; 1/3 -> 0x3555.
        assertEquals(1f, SafeTensorsDtype.f16ToFloat(SafeTensorsDtype.floatToF16(1f + 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, SafeTensorsDtype.f16ToFloat(SafeTensorsDtype.floatToF16(65520f)));
        assertEquals((short) 0x3555, SafeTensorsDtype.floatToF16(1f / 3));
        assertEquals((short) 0x3C00, SafeTensorsDtype.floatToF16(1f));
    }

    @Test
    void writerRefusesBadEntries() {
        SafeTensorsWriter w = new SafeTensorsWriter().add("a", SafeTensorsDtype.F32, new long[] {1}, new float[1]);
        var dup = assertThrows(IllegalArgumentException.class,
                () -> w.add("a", SafeTensorsDtype.F32, new long[] {1}, new float[1]));
        assertTrue(dup.getMessage().contains("duplicate tensor name 'a'"), dup.getMessage());
        var shape = assertThrows(IllegalArgumentException.class,
                () -> w.add("b", SafeTensorsDtype.F32, new long[] {2, 3}, new float[5]));
        assertTrue(shape.getMessage().contains("[2, 3]") && shape.getMessage().contains("5 values"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.add("c", SafeTensorsDtype.I64, new long[] {1}, new float[1]));
        var fit = assertThrows(IllegalArgumentException.class,
                () -> w.add("d", SafeTensorsDtype.I32, new long[] {1}, new long[] {1L << 31}));
        assertTrue(fit.getMessage().contains("2147483648"), fit.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> w.add("__metadata__", SafeTensorsDtype.F32, new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("e", SafeTensorsDtype.F32, new long[] {-1}, (SafeTensorsWriter.Payload) out -> {}));
    }
}
