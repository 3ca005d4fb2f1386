package org.reformer4j.core.io;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors JSON header, with the checks of huggingface/safetensors'
 * {@code Metadata::validate} ({@code tensor.rs}): every tensor's dtype supported, shape product times
 * element size equal to its byte span, and the spans sorted by offset tiling the data section exactly
 * (no gap, no overlap, nothing past the end, nothing left over). Errors name the file, tensor and numbers.
 */
final class SafeTensorsHeader {
    /** Largest header accepted, as the reference implementation (100 MB). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    final Map<String, SafeTensors.Entry> entries;
    final Map<String, String> metadata;

    private SafeTensorsHeader(Map<String, SafeTensors.Entry> entries, Map<String, String> metadata) {
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Decodes and validates header bytes; {@code dataLength} is the file size minus 8 minus the header. */
    static SafeTensorsHeader parse(ByteBuffer headerBytes, long dataLength, String file) throws SafeTensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file + ": the header is not valid UTF-8 (" + e + ")", e);
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new SafeTensorsException(file + ": the header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new SafeTensorsException(file + ": the header must be a JSON object, got " + kind(root));
        }
        Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> kv : top.entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals(METADATA_KEY)) {
                readMetadata(kv.getValue(), metadata, file);
            } else {
                entries.put(name, readEntry(name, kv.getValue(), dataLength, file));
            }
        }
        checkTiling(entries, dataLength, file);
        return new SafeTensorsHeader(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Object v, Map<String, String> out, String file) throws SafeTensorsException {
        if (v == null) return;
        if (!(v instanceof Map<?, ?> m)) {
            throw new SafeTensorsException(file + ": \"" + METADATA_KEY + "\" must be an object of strings, got " + kind(v));
        }
        for (Map.Entry<?, ?> kv : m.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw new SafeTensorsException(file + ": metadata value of \"" + kv.getKey()
                        + "\" must be a string, got " + kind(kv.getValue()));
            }
            out.put((String) kv.getKey(), s);
        }
    }

    private static SafeTensors.Entry readEntry(String name, Object v, long dataLength, String file)
            throws SafeTensorsException {
        String where = file + ": tensor '" + name + "'";
        if (!(v instanceof Map<?, ?> m)) throw new SafeTensorsException(where + " must be an object, got " + kind(v));
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw new SafeTensorsException(where + " has no string \"dtype\" (got " + kind(m.get("dtype")) + ")");
        }
        SafeTensorsDtype dtype = SafeTensorsDtype.byName(dtypeName);
        if (dtype == null) {
            throw new SafeTensorsException(where + " has dtype " + dtypeName
                    + ", which reformer4j does not support (supported: " + SafeTensorsDtype.supportedList() + ")");
        }
        long[] shape = longs(m.get("shape"), -1, where + " \"shape\"");
        long[] offsets = longs(m.get("data_offsets"), 2, where + " \"data_offsets\"");
        long begin = offsets[0], end = offsets[1];
        if (end < begin) {
            throw new SafeTensorsException(where + " has data_offsets [" + begin + ", " + end + "] with end < begin");
        }
        if (end > dataLength) {
            throw new SafeTensorsException(where + " has data_offsets [" + begin + ", " + end
                    + "] past the end of the data section (" + dataLength + " bytes)");
        }
        long numel = 1;
        try {
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            long bytes = Math.multiplyExact(numel, (long) dtype.size());
            if (bytes != end - begin) {
                throw new SafeTensorsException(where + " (" + dtype + ", shape " + Arrays.toString(shape) + ") needs "
                        + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
            }
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsException(where + " has shape " + Arrays.toString(shape)
                    + " whose byte size overflows 64 bits");
        }
        return new SafeTensors.Entry(name, dtype, shape, begin, end);
    }

    /** Sorted by (begin, end), the spans must run from 0 to dataLength with no gap and no overlap. */
    private static void checkTiling(Map<String, SafeTensors.Entry> entries, long dataLength, String file)
            throws SafeTensorsException {
        List<SafeTensors.Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(SafeTensors.Entry::begin).thenComparingLong(SafeTensors.Entry::end));
        long next = 0;
        SafeTensors.Entry prev = null;
        for (SafeTensors.Entry e : sorted) {
            if (e.begin() < next) {
                throw new SafeTensorsException(file + ": tensor '" + e.name() + "' [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
            if (e.begin() > next) {
                throw new SafeTensorsException(file + ": data bytes [" + next + ", " + e.begin()
                        + ") belong to no tensor (gap before '" + e.name() + "')");
            }
            next = e.end();
            prev = e;
        }
        if (next != dataLength) {
            throw new SafeTensorsException(file + ": data bytes [" + next + ", " + dataLength
                    + ") at the end of the file belong to no tensor");
        }
    }

    private static long[] longs(Object v, int requiredLength, String what) throws SafeTensorsException {
        if (!(v instanceof List<?> list)) throw new SafeTensorsException(what + " must be an array, got " + kind(v));
        if (requiredLength >= 0 && list.size() != requiredLength) {
            throw new SafeTensorsException(what + " must have " + requiredLength + " entries, got " + list.size());
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l) || l < 0) {
                throw new SafeTensorsException(what + "[" + i + "] must be a non-negative integer, got " + list.get(i));
            }
            out[i] = l;
        }
        return out;
    }

    private static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String s) return "the string \"" + s + "\"";
        return v.getClass().getSimpleName() + " " + v;
    }
}
