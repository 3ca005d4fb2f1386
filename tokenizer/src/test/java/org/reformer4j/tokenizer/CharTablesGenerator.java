/*
 * Writes src/main/resources/org/reformer4j/tokenizer/bert-chars.bin from the golden codepoints.tsv
 * (HuggingFace tokenizers 0.23.2's per-code-point BERT rules; see the golden README). Runs of equal
 * clean/punct class become (delta start, class) pairs; every non-identity do_lower_case mapping becomes
 * (delta code point, length, zigzag deltas of the targets). For the Chinese ranges (class C) the .tsv
 * records no mapping, yet the reference NFD-decomposes CJK compatibility ideographs (U+F900 -> U+8C48),
 * so for those rows the canonical decomposition is taken from java.text.Normalizer (stable since 3.1).
 * Usage: java CharTablesGenerator <codepoints.tsv> <out.bin>
 */
package org.reformer4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

public final class CharTablesGenerator {
    private CharTablesGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CharTablesGenerator <codepoints.tsv> <out.bin>");
        }
        byte[] out = generate(Path.of(args[0]));
        Files.write(Path.of(args[1]), out);
        System.out.println("wrote " + out.length + " bytes to " + args[1]);
    }

    static byte[] generate(Path tsv) throws IOException {
        byte[] cls = new byte[0x110000];
        boolean[] seen = new boolean[0x110000];
        TreeMap<Integer, int[]> maps = new TreeMap<>();
        for (int s = 0xD800; s <= 0xDFFF; s++) {
            cls[s] = CharTables.REMOVE;
            seen[s] = true;
        }
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            int start = Integer.parseInt(f[0], 16);
            int end = Integer.parseInt(f[1], 16);
            int clean = switch (f[2]) {
                case "R" -> CharTables.REMOVE;
                case "W" -> CharTables.SPACE;
                case "C" -> CharTables.CHINESE;
                case "K" -> CharTables.KEEP;
                default -> throw new IllegalArgumentException("codepoints.tsv: unknown clean class " + f[2] + " in " + line);
            };
            int c = clean | (f[3].equals("1") ? CharTables.PUNCT_BIT : 0);
            for (int cp = start; cp <= end; cp++) {
                cls[cp] = (byte) c;
                seen[cp] = true;
                int[] m = mapping(f[4], line);
                if (clean == CharTables.CHINESE) {
                    String nfd = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD);
                    int[] d = nfd.codePoints().toArray();
                    if (d.length != 1 || d[0] != cp) {
                        m = d;
                    }
                }
                if (m != null) {
                    maps.put(cp, m);
                }
            }
        }
        for (int cp = 0; cp < seen.length; cp++) {
            if (!seen[cp]) {
                throw new IllegalArgumentException("codepoints.tsv does not cover U+" + Integer.toHexString(cp));
            }
        }
        List<int[]> runs = new ArrayList<>();
        for (int cp = 0; cp < cls.length; cp++) {
            if (cp == 0 || cls[cp] != cls[cp - 1]) {
                runs.add(new int[] {cp, cls[cp]});
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes, deflater))) {
            out.writeInt(CharTables.MAGIC);
            out.writeInt(runs.size());
            int prev = 0;
            for (int[] r : runs) {
                writeVarint(out, r[0] - prev);
                prev = r[0];
                out.writeByte(r[1]);
            }
            out.writeInt(maps.size());
            prev = 0;
            for (var e : maps.entrySet()) {
                int cp = e.getKey();
                writeVarint(out, cp - prev);
                prev = cp;
                int[] m = e.getValue();
                writeVarint(out, m.length);
                for (int t : m) {
                    int d = t - cp;
                    writeVarint(out, (d << 1) ^ (d >> 31));
                }
            }
        }
        deflater.end();
        return bytes.toByteArray();
    }

    /** "=" -> null (identity), "-" -> empty (removed), "0069" or "1100.1161" -> code points. */
    static int[] mapping(String field, String line) {
        if (field.equals("=")) {
            return null;
        }
        if (field.equals("-")) {
            return new int[0];
        }
        String[] parts = field.split("[. ]");
        int[] m = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            m[i] = Integer.parseInt(parts[i], 16);
        }
        return m;
    }

    static void writeVarint(DataOutputStream out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }
}
