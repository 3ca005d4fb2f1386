package org.reformer4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed safetensors files are refused with a {@link SafeTensorsException} that names the problem, and
 * never with another kind of failure (no index errors, no huge allocation); a failed write leaves the
 * previous file at the target untouched.
 */
class SafeTensorsValidationTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private String refused(String header, byte[] data) throws IOException {
        Path p = file("bad.safetensors", SafeTensorsTest.handMade(header, data));
        return assertThrows(SafeTensorsException.class, () -> SafeTensors.open(p).close()).getMessage();
    }

    private static String t(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b + "," + e + "]}";
    }

    @Test
    void namesEachHeaderProblem() throws IOException {
        byte[] d16 = new byte[16];
        assertContains(refused("{" + t("w", "U8", "[16]", 0, 16) + "}", d16), "dtype U8", "'w'", "F32");
        assertContains(refused("{" + t("w", "F33", "[4]", 0, 16) + "}", d16), "dtype F33");
        assertContains(refused("{" + t("w", "F32", "[2,3]", 0, 16) + "}", d16), "needs 24 bytes", "span 16", "[2, 3]");
        assertContains(refused("{" + t("a", "F32", "[3]", 0, 12) + "," + t("b", "F32", "[2]", 8, 16) + "}", d16),
                "overlaps");
        assertContains(refused("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[1]", 12, 16) + "}", d16),
                "[8, 12)", "no tensor");
        assertContains(refused("{" + t("a", "F32", "[3]", 0, 12) + "}", d16), "[12, 16)", "no tensor");
        assertContains(refused("{" + t("a", "F32", "[5]", 0, 20) + "}", d16), "past the end", "16 bytes");
        assertContains(refused("{" + t("a", "F32", "[1]", 8, 4) + "}", d16), "end < begin");
        assertContains(refused("{" + t("a", "F32", "[4]", 0, 16) + "," + t("a", "F32", "[4]", 0, 16) + "}", d16),
                "duplicate key \"a\"");
        assertContains(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4]}}", d16), "data_offsets");
        assertContains(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", d16),
                "non-negative");
        assertContains(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4.0],\"data_offsets\":[0,16]}}", d16),
                "non-negative integer");
        assertContains(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", d16), "2 entries");
        assertContains(refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,16]}}",
                d16), "overflows");
        assertContains(refused("[1,2]", d16), "must be a JSON object");
        assertContains(refused("{\"a\": ", d16), "not valid JSON");
        assertContains(refused("{\"__metadata__\":{\"k\":1}," + t("a", "F32", "[4]", 0, 16) + "}", d16),
                "metadata value of \"k\"");
        byte[] bools = {0, 1, 2};
        assertContains(refused("{" + t("m", "BOOL", "[3]", 0, 3) + "}", bools), "byte 2", "flat index 2");
        byte[] badUtf8 = SafeTensorsTest.handMade("{\"\u00e9\":1}", new byte[0]);
        badUtf8[8 + 2] = (byte) 0xFF;
        Path p = file("utf8.safetensors", badUtf8);
        assertContains(assertThrows(SafeTensorsException.class, () -> SafeTensors.open(p)).getMessage(), "UTF-8");
    }

    @Test
    void absurdOrTruncatedHeaderLengths() throws IOException {
        byte[] valid = SafeTensorsTest.handMade("{" + t("a", "F32", "[2]", 0, 8) + "}", new byte[8]);
        for (long n : new long[] {-1L, Long.MAX_VALUE, 1L << 40, SafeTensorsHeader.MAX_HEADER_BYTES + 1,
                valid.length - 8 + 1, valid.length}) {
            byte[] b = valid.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            Path p = file("len.safetensors", b);
            String msg = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(p)).getMessage();
            assertTrue(msg.contains("absurd") || msg.contains("runs past the end"), n + ": " + msg);
        }
        Path tiny = file("tiny.safetensors", new byte[] {1, 0, 0});
        assertContains(assertThrows(SafeTensorsException.class, () -> SafeTensors.open(tiny)).getMessage(),
                "truncated", "3 bytes");
    }

    /** A small file with every dtype, written by the writer. */
    private byte[] sample() throws IOException {
        Path p = dir.resolve("sample.safetensors");
        new SafeTensorsWriter().metadata("format", "pt")
                .add("w", SafeTensorsDtype.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .add("d", SafeTensorsDtype.F64, new long[] {2}, new double[] {0.5, -1})
                .add("h", SafeTensorsDtype.F16, new long[] {3}, new float[] {1, 2, 3})
                .add("b", SafeTensorsDtype.BF16, new long[] {1}, new float[] {-4})
                .add("ids", SafeTensorsDtype.I64, new long[] {3}, new long[] {1, 2, 3})
                .add("n", SafeTensorsDtype.I32, new long[] {1, 1}, new int[] {9})
                .add("mask", new long[] {5}, new boolean[] {true, false, true, true, false})
                .write(p);
        return Files.readAllBytes(p);
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] full = sample();
        Path p = dir.resolve("cut.safetensors");
        for (int len = 0; len < full.length; len++) {
            Files.write(p, Arrays.copyOf(full, len));
            int at = len;
            assertThrows(SafeTensorsException.class, () -> SafeTensors.open(p).close(), "truncated at " + at);
        }
        Files.write(p, full);
        SafeTensors.open(p).close();
    }

    @Test
    void flippedHeaderBytesAreRefusedOrHarmless() throws IOException {
        byte[] full = sample();
        int headerEnd = 8 + (int) ByteBuffer.wrap(full).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path p = dir.resolve("flip.safetensors");
        int refused = 0, accepted = 0;
        byte[] replacements = {0x01, 0x20, (byte) 0x80, (byte) 0xFF};
        for (int i = 0; i < headerEnd; i++) {
            for (byte r : replacements) {
                byte[] b = full.clone();
                b[i] ^= r;
                Files.write(p, b);
                try (SafeTensors st = SafeTensors.open(p)) {
                    accepted++;
                    readEverything(st); // a harmless flip (padding, a name, metadata) must still read cleanly
                } catch (SafeTensorsException expected) {
                    refused++;
                } catch (Throwable other) {
                    fail("byte " + i + " ^ " + r + ": " + other, other);
                }
            }
        }
        assertTrue(refused > accepted, "most flips break the header: refused " + refused + ", accepted " + accepted);
    }

    private static void readEverything(SafeTensors st) {
        for (String name : st.names()) {
            SafeTensorsDtype d = SafeTensorsDtype.valueOf(st.dtype(name));
            if (d.isFloatingPoint()) st.floats(name);
            else if (d.isInteger()) st.longs(name);
            else st.bools(name);
        }
    }

    @Test
    void failedWriteLeavesTheOldFileIntact() throws IOException {
        Path target = dir.resolve("model.safetensors");
        new SafeTensorsWriter().add("w", SafeTensorsDtype.F32, new long[] {2}, new float[] {1, 2}).write(target);
        byte[] before = Files.readAllBytes(target);
        SafeTensorsWriter failing = new SafeTensorsWriter()
                .add("w", SafeTensorsDtype.F32, new long[] {4}, new float[] {5, 6, 7, 8})
                .add("big", SafeTensorsDtype.F32, new long[] {1 << 16}, out -> {
                    out.write(ByteBuffer.allocate(1000));
                    throw new IOException("disk on fire");
                });
        var e = assertThrows(IOException.class, () -> failing.write(target));
        assertEquals("disk on fire", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target), "old file untouched");
        SafeTensorsWriter shortPayload = new SafeTensorsWriter()
                .add("w", SafeTensorsDtype.F32, new long[] {4}, out -> out.write(ByteBuffer.allocate(12)));
        var s = assertThrows(SafeTensorsException.class, () -> shortPayload.write(target));
        assertContains(s.getMessage(), "wrote 12 bytes, expected 16");
        assertArrayEquals(before, Files.readAllBytes(target), "old file untouched");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        new SafeTensorsWriter().add("w", SafeTensorsDtype.F32, new long[] {3}, new float[] {9, 8, 7}).write(target);
        try (SafeTensors st = SafeTensors.open(target)) {
            assertArrayEquals(new float[] {9, 8, 7}, st.floats("w"), "a successful write replaces the file");
        }
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
    }
}
