/*
 * Corpus reading: lines vs blank-line paragraphs, and the one-line refusals of missing, folder, binary,
 * non-UTF-8 and empty files; the built-in sample corpus's size and shape as the project describes it.
 */
package org.reformer4j.cli.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reformer4j.cli.UserError;

class CorpusTest {
    @TempDir
    Path dir;

    @Test
    void oneDocumentPerLineWithoutBlankLines() {
        assertEquals(List.of("第一行", "第二行", "third"), Corpus.split("第一行\r\n第二行\n  third  \n"));
    }

    @Test
    void paragraphsWhenBlankLinesSeparateText() {
        assertEquals(List.of("a\nb", "c", "d\ne"), Corpus.split("\n\na\nb\n\n\nc\n \nd\ne\n\n"));
    }

    @Test
    void trailingBlankLinesDoNotMakeParagraphs() {
        assertEquals(List.of("x", "y"), Corpus.split("x\ny\n\n\n"));
    }

    @Test
    void byteOrderMarkIsDropped() throws IOException {
        Path f = dir.resolve("bom.txt");
        Files.write(f, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'h', 'i', '\n'});
        assertEquals(List.of("hi"), Corpus.read(List.of(f)).documents());
    }

    @Test
    void missingFileIsRefused() {
        UserError e = assertThrows(UserError.class, () -> Corpus.read(List.of(dir.resolve("nope.txt"))));
        assertTrue(e.getMessage().startsWith("corpus file not found"), e.getMessage());
    }

    @Test
    void folderIsRefused() {
        UserError e = assertThrows(UserError.class, () -> Corpus.read(List.of(dir)));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
    }

    @Test
    void binaryFileIsRefused() throws IOException {
        Path f = dir.resolve("x.bin");
        Files.write(f, new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2});
        UserError e = assertThrows(UserError.class, () -> Corpus.read(List.of(f)));
        assertTrue(e.getMessage().contains("binary") && e.getMessage().contains("offset 4"), e.getMessage());
    }

    @Test
    void latin1FileIsRefusedAsNotUtf8() throws IOException {
        Path f = dir.resolve("latin1.txt");
        Files.write(f, "caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1));
        UserError e = assertThrows(UserError.class, () -> Corpus.read(List.of(f)));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void emptyAndBlankFilesAreRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        Path blank = Files.writeString(dir.resolve("blank.txt"), " \n\t\n\n");
        assertTrue(assertThrows(UserError.class, () -> Corpus.read(List.of(empty))).getMessage().contains("holds no text"));
        assertTrue(assertThrows(UserError.class, () -> Corpus.read(List.of(blank))).getMessage().contains("holds no text"));
    }

    @Test
    void sampleCorpusIsAFewHundredLinesOfEverydayChinese() {
        Corpus c = Corpus.sample();
        int n = c.documents().size();
        assertTrue(n >= 300 && n <= 400, n + " lines");
        for (String d : c.documents()) {
            int len = d.codePointCount(0, d.length());
            assertTrue(len >= 10 && len <= 60, "line of " + len + " characters: " + d);
            long han = d.codePoints().filter(cp -> Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN).count();
            assertTrue(han >= len / 2, "mostly Chinese characters: " + d);
            assertFalse(d.contains("\n"));
        }
        assertEquals(n, c.documents().stream().distinct().count(), "no repeated line");
    }
}
