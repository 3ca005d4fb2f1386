/*
 * A training corpus: documents read from UTF-8 text files, or the built-in sample corpus of the demo.
 * A file with blank lines holds paragraphs separated by blank lines (a paragraph's lines are one
 * document); a file without blank lines holds one document per line. Files that are missing, folders,
 * binary (NUL bytes or invalid UTF-8) or hold no text are refused with a one-line UserError.
 */
package org.reformer4j.cli.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.reformer4j.cli.UserError;

public record Corpus(List<String> documents, String source, long chars) {
    /** Where the demo's corpus lives on the class path. */
    public static final String SAMPLE_RESOURCE = "/org/reformer4j/cli/sample-corpus.txt";

    public Corpus {
        documents = List.copyOf(documents);
    }

    /** The built-in sample corpus: a few hundred lines of everyday Chinese written for this project. */
    public static Corpus sample() {
        try (InputStream in = Corpus.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) throw new IllegalStateException("the sample corpus " + SAMPLE_RESOURCE + " is missing from the class path");
            String text = decode(in.readAllBytes(), SAMPLE_RESOURCE);
            List<String> docs = split(text);
            return new Corpus(docs, "built-in sample corpus", countChars(docs));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the sample corpus " + SAMPLE_RESOURCE, e);
        }
    }

    /** Reads and checks every file; the documents of all files, in order. */
    public static Corpus read(List<Path> files) {
        if (files.isEmpty()) throw new UserError("no corpus file given");
        List<String> docs = new ArrayList<>();
        for (Path f : files) {
            List<String> mine = split(readText(f));
            if (mine.isEmpty()) throw new UserError("corpus file " + f + " holds no text (empty or only blank lines)");
            docs.addAll(mine);
        }
        String src = files.size() == 1 ? files.getFirst().toString() : files.size() + " files";
        return new Corpus(docs, src, countChars(docs));
    }

    /** The text of one file, refusing missing, unreadable and binary files. */
    static String readText(Path f) {
        if (!Files.exists(f)) throw new UserError("corpus file not found: " + f);
        if (Files.isDirectory(f)) throw new UserError("corpus path " + f + " is a folder; give the text files inside it");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UserError("cannot read corpus file " + f + ": " + e.getMessage(), e);
        }
        return decode(bytes, f.toString());
    }

    /** Strict UTF-8 decoding (a leading byte-order mark is dropped); NUL bytes count as binary. */
    static String decode(byte[] bytes, String name) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new UserError(name + " looks like a binary file (NUL byte at offset " + i + "); the corpus must be UTF-8 text");
            }
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer out = dec.decode(in);
            String s = out.toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (MalformedInputException e) {
            throw new UserError(name + " is not UTF-8 text (invalid byte sequence at offset " + in.position() + ")");
        } catch (CharacterCodingException e) {
            throw new UserError(name + " is not UTF-8 text (" + e.getMessage() + ")");
        }
    }

    /** Documents of one file's text: paragraphs when it has blank lines, else lines. Trimmed, none empty. */
    static List<String> split(String text) {
        String[] lines = text.split("\r\n|\r|\n", -1);
        boolean paragraphs = false;
        boolean seenText = false;
        for (int i = 0; i < lines.length; i++) {
            boolean blank = lines[i].isBlank();
            if (!blank) seenText = true;
            if (blank && seenText && hasTextAfter(lines, i)) {
                paragraphs = true;
                break;
            }
        }
        List<String> docs = new ArrayList<>();
        if (!paragraphs) {
            for (String l : lines) if (!l.isBlank()) docs.add(l.strip());
            return docs;
        }
        StringBuilder cur = new StringBuilder();
        for (String l : lines) {
            if (l.isBlank()) {
                if (!cur.isEmpty()) docs.add(cur.toString());
                cur.setLength(0);
            } else {
                if (!cur.isEmpty()) cur.append('\n');
                cur.append(l.strip());
            }
        }
        if (!cur.isEmpty()) docs.add(cur.toString());
        return docs;
    }

    private static boolean hasTextAfter(String[] lines, int i) {
        for (int j = i + 1; j < lines.length; j++) if (!lines[j].isBlank()) return true;
        return false;
    }

    private static long countChars(List<String> docs) {
        long n = 0;
        for (String d : docs) n += d.codePointCount(0, d.length());
        return n;
    }
}
