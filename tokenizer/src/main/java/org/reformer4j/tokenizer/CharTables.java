/*
 * The reference's per-code-point character rules, read from the resource bert-chars.bin: what
 * HuggingFace tokenizers 0.23.2's BertNormalizer.do_clean_text / do_handle_chinese_chars and
 * BertPreTokenizer's is_bert_punc do to each code point (Unicode 8.0 category tables of the crate
 * unicode_categories, not Java's), and the do_lower_case mapping (NFD, drop Mn, lowercase) per code point.
 * The resource is generated from the golden codepoints.tsv by CharTablesGenerator (test sources).
 * Surrogate code units D800-DFFF are classed REMOVE: a lone surrogate is read as U+FFFD, which is removed.
 */
package org.reformer4j.tokenizer;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.InflaterInputStream;

final class CharTables {
    /** clean classes (bits 0-1 of a class byte); bit 2 = punctuation. */
    static final int REMOVE = 0, SPACE = 1, CHINESE = 2, KEEP = 3;
    static final int PUNCT_BIT = 4;
    static final int MAGIC = 0x42435431; // "BCT1"
    static final String RESOURCE = "bert-chars.bin";
    private static final int[] EMPTY = new int[0];

    private final int[] runStart;   // sorted starts of runs of equal class byte, runStart[0] = 0
    private final byte[] runClass;
    private final byte[] bmpClass;  // class byte of every BMP code point
    private final int[] mapCp;      // sorted code points whose lower mapping is not the identity
    private final int[] mapOff;     // mapping of mapCp[i] = mapData[mapOff[i] .. mapOff[i+1])
    private final int[] mapData;

    private CharTables(int[] runStart, byte[] runClass, int[] mapCp, int[] mapOff, int[] mapData) {
        this.runStart = runStart;
        this.runClass = runClass;
        this.mapCp = mapCp;
        this.mapOff = mapOff;
        this.mapData = mapData;
        this.bmpClass = new byte[0x10000];
        for (int r = 0; r < runStart.length; r++) {
            int from = runStart[r];
            if (from > 0xFFFF) {
                break;
            }
            int to = r + 1 < runStart.length ? Math.min(runStart[r + 1], 0x10000) : 0x10000;
            Arrays.fill(bmpClass, from, to, runClass[r]);
        }
    }

    private static final class Holder {
        static final CharTables INSTANCE = load();
    }

    static CharTables get() {
        return Holder.INSTANCE;
    }

    private static CharTables load() {
        try (InputStream raw = CharTables.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("tokenizer: resource " + RESOURCE + " is missing from the class path");
            }
            return read(raw);
        } catch (IOException e) {
            throw new UncheckedIOException("tokenizer: cannot read resource " + RESOURCE, e);
        }
    }

    /** Reads the format written by CharTablesGenerator.write. */
    static CharTables read(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(new InflaterInputStream(raw));
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException("tokenizer: " + RESOURCE + " has magic " + Integer.toHexString(magic) + ", expected " + Integer.toHexString(MAGIC));
        }
        int nRuns = in.readInt();
        int[] starts = new int[nRuns];
        byte[] classes = new byte[nRuns];
        int prev = 0;
        for (int i = 0; i < nRuns; i++) {
            prev += readVarint(in);
            starts[i] = prev;
            classes[i] = in.readByte();
        }
        int nMaps = in.readInt();
        int[] cps = new int[nMaps];
        int[] off = new int[nMaps + 1];
        int[] data = new int[nMaps * 2];
        int n = 0;
        prev = 0;
        for (int i = 0; i < nMaps; i++) {
            prev += readVarint(in);
            cps[i] = prev;
            int len = readVarint(in);
            off[i] = n;
            if (n + len > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, n + len));
            }
            for (int k = 0; k < len; k++) {
                int z = readVarint(in);
                data[n++] = prev + ((z >>> 1) ^ -(z & 1));
            }
        }
        off[nMaps] = n;
        return new CharTables(starts, classes, cps, off, Arrays.copyOf(data, n));
    }

    static int readVarint(DataInputStream in) throws IOException {
        int v = 0;
        int shift = 0;
        while (true) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    /** Class byte of a code point: clean class | PUNCT_BIT. */
    int classOf(int cp) {
        if (cp < 0x10000) {
            return bmpClass[cp];
        }
        int r = Arrays.binarySearch(runStart, cp);
        if (r < 0) {
            r = -r - 2;
        }
        return runClass[r];
    }

    int clean(int cp) {
        return classOf(cp) & 3;
    }

    boolean isPunct(int cp) {
        return (classOf(cp) & PUNCT_BIT) != 0;
    }

    /**
     * The do_lower_case mapping of one code point: null when it maps to itself, an empty array when it is
     * removed (a nonspacing mark), else the code points it becomes.
     */
    int[] lowerMapping(int cp) {
        int i = Arrays.binarySearch(mapCp, cp);
        if (i < 0) {
            return null;
        }
        int from = mapOff[i];
        int to = mapOff[i + 1];
        return from == to ? EMPTY : Arrays.copyOfRange(mapData, from, to);
    }

    /** True when this code point is a nonspacing mark (Mn) by the reference's tables. */
    boolean isNonspacingMark(int cp) {
        int[] m = lowerMapping(cp);
        return m != null && m.length == 0;
    }

    long heapBytes() {
        return 16L + runStart.length * 4L + runClass.length + bmpClass.length + mapCp.length * 4L + mapOff.length * 4L + mapData.length * 4L;
    }
}
