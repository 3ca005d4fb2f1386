package org.reformer4j.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a safetensors file (what {@code safetensors.torch.save_file} writes: header padded with spaces to a
 * multiple of 8, tensors laid out back to back in the order added) atomically: the bytes go to a
 * temporary file in the target's directory, which is fsynced and then moved over the target with
 * {@code ATOMIC_MOVE}, so the target path holds either the old file or the complete new one, never part.
 */
public final class SafeTensorsWriter {
    private static final int CHUNK = 1 << 16;

    /** Streams exactly {@code byteLength} little-endian bytes of one tensor into the channel. */
    @FunctionalInterface
    public interface Payload {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Pending(String name, SafeTensorsDtype dtype, long[] shape, long bytes, Payload payload) {}

    private final Map<String, Pending> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a {@code "__metadata__"} string pair. */
    public SafeTensorsWriter metadata(String key, String value) {
        if (key == null || value == null) throw new IllegalArgumentException("SafeTensorsWriter.metadata: null key or value");
        metadata.put(key, value);
        return this;
    }

    /** Float data stored as F32, F64, F16 or BF16 (F16/BF16 rounded to nearest even). */
    public SafeTensorsWriter add(String name, SafeTensorsDtype dtype, long[] shape, float[] data) {
        requireKind(name, dtype, data.length, shape, "float[]", SafeTensorsDtype.F32, SafeTensorsDtype.F64,
                SafeTensorsDtype.F16, SafeTensorsDtype.BF16);
        return put(name, dtype, shape, out -> encode(out, data.length, dtype, (buf, i) -> {
            switch (dtype) {
                case F32 -> buf.putFloat(data[i]);
                case F64 -> buf.putDouble(data[i]);
                case F16 -> buf.putShort(SafeTensorsDtype.floatToF16(data[i]));
                default -> buf.putShort(SafeTensorsDtype.floatToBf16(data[i]));
            }
        }));
    }

    /** Double data stored as F64, F32, F16 or BF16 (narrowing rounds to nearest even). */
    public SafeTensorsWriter add(String name, SafeTensorsDtype dtype, long[] shape, double[] data) {
        requireKind(name, dtype, data.length, shape, "double[]", SafeTensorsDtype.F64, SafeTensorsDtype.F32,
                SafeTensorsDtype.F16, SafeTensorsDtype.BF16);
        return put(name, dtype, shape, out -> encode(out, data.length, dtype, (buf, i) -> {
            switch (dtype) {
                case F64 -> buf.putDouble(data[i]);
                case F32 -> buf.putFloat((float) data[i]);
                case F16 -> buf.putShort(Float.floatToFloat16((float) data[i]));
                default -> buf.putShort(SafeTensorsDtype.floatToBf16((float) data[i]));
            }
        }));
    }

    /** Integer data stored as I64 or I32 (I32 requires every value to fit). */
    public SafeTensorsWriter add(String name, SafeTensorsDtype dtype, long[] shape, long[] data) {
        requireKind(name, dtype, data.length, shape, "long[]", SafeTensorsDtype.I64, SafeTensorsDtype.I32);
        if (dtype == SafeTensorsDtype.I32) {
            for (int i = 0; i < data.length; i++) {
                if (data[i] != (int) data[i]) {
                    throw new IllegalArgumentException("SafeTensorsWriter.add: tensor '" + name + "' value " + data[i]
                            + " at flat index " + i + " does not fit I32");
                }
            }
        }
        return put(name, dtype, shape, out -> encode(out, data.length, dtype, (buf, i) -> {
            if (dtype == SafeTensorsDtype.I64) buf.putLong(data[i]);
            else buf.putInt((int) data[i]);
        }));
    }

    /** Integer data stored as I32 or I64. */
    public SafeTensorsWriter add(String name, SafeTensorsDtype dtype, long[] shape, int[] data) {
        requireKind(name, dtype, data.length, shape, "int[]", SafeTensorsDtype.I32, SafeTensorsDtype.I64);
        return put(name, dtype, shape, out -> encode(out, data.length, dtype, (buf, i) -> {
            if (dtype == SafeTensorsDtype.I32) buf.putInt(data[i]);
            else buf.putLong(data[i]);
        }));
    }

    /** Boolean data stored as BOOL (one byte, 0 or 1). */
    public SafeTensorsWriter add(String name, long[] shape, boolean[] data) {
        requireKind(name, SafeTensorsDtype.BOOL, data.length, shape, "boolean[]", SafeTensorsDtype.BOOL);
        return put(name, SafeTensorsDtype.BOOL, shape, out -> encode(out, data.length, SafeTensorsDtype.BOOL,
                (buf, i) -> buf.put((byte) (data[i] ? 1 : 0))));
    }

    /** A tensor whose bytes a payload streams (e.g. straight from a tensor's storage). */
    public SafeTensorsWriter add(String name, SafeTensorsDtype dtype, long[] shape, Payload payload) {
        return put(name, dtype, shape, payload);
    }

    /** Writes the file atomically (temporary file, fsync, atomic move over the target). */
    public void write(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeAll(ch, headerBytes());
                for (Pending p : entries.values()) {
                    Counting counted = new Counting(ch);
                    p.payload().writeTo(counted);
                    if (counted.count != p.bytes()) {
                        throw new SafeTensorsException(target + ": the payload of tensor '" + p.name() + "' wrote "
                                + counted.count + " bytes, expected " + p.bytes() + " (" + p.dtype() + ", shape "
                                + Arrays.toString(p.shape()) + ")");
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new SafeTensorsException(target + ": the file system cannot rename atomically in " + dir, e);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** The header JSON (metadata first, then tensors in the order added), space-padded to a multiple of 8. */
    byte[] headerBytes() {
        Map<String, Object> top = new LinkedHashMap<>();
        if (!metadata.isEmpty()) top.put(SafeTensorsHeader.METADATA_KEY, new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Pending p : entries.values()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", p.dtype().name());
            List<Object> shape = new ArrayList<>();
            for (long d : p.shape()) shape.add(d);
            e.put("shape", shape);
            e.put("data_offsets", List.of(offset, offset + p.bytes()));
            offset += p.bytes();
            top.put(p.name(), e);
        }
        byte[] json = Json.write(top).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.hasRemaining()) b.put((byte) ' ');
        return b.array();
    }

    private SafeTensorsWriter put(String name, SafeTensorsDtype dtype, long[] shape, Payload payload) {
        if (name == null || dtype == null || shape == null || payload == null) {
            throw new IllegalArgumentException("SafeTensorsWriter.add: null name, dtype, shape or data");
        }
        if (name.equals(SafeTensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("SafeTensorsWriter.add: '" + name + "' is reserved for metadata");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("SafeTensorsWriter.add: duplicate tensor name '" + name + "'");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("SafeTensorsWriter.add: tensor '" + name
                    + "' has negative dimension in shape " + Arrays.toString(shape));
            numel = Math.multiplyExact(numel, d);
        }
        entries.put(name, new Pending(name, dtype, shape.clone(), Math.multiplyExact(numel, (long) dtype.size()), payload));
        return this;
    }

    private static void requireKind(String name, SafeTensorsDtype dtype, int length, long[] shape, String array,
                                    SafeTensorsDtype... allowed) {
        if (dtype == null || !Arrays.asList(allowed).contains(dtype)) {
            throw new IllegalArgumentException("SafeTensorsWriter.add: tensor '" + name + "': a " + array
                    + " can be stored as " + Arrays.toString(allowed) + ", not " + dtype);
        }
        long numel = 1;
        for (long d : shape) numel *= d;
        if (numel != length) {
            throw new IllegalArgumentException("SafeTensorsWriter.add: tensor '" + name + "' has shape "
                    + Arrays.toString(shape) + " (" + numel + " elements) but " + length + " values");
        }
    }

    @FunctionalInterface
    private interface Put {
        void put(ByteBuffer buf, int index);
    }

    /** Encodes n elements through a reusable little-endian chunk buffer. */
    private static void encode(WritableByteChannel out, int n, SafeTensorsDtype dtype, Put put) throws IOException {
        int perChunk = CHUNK / dtype.size();
        ByteBuffer buf = ByteBuffer.allocate(perChunk * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; ) {
            buf.clear();
            int stop = Math.min(n, i + perChunk);
            for (; i < stop; i++) put.put(buf, i);
            buf.flip();
            writeAll(out, buf);
        }
    }

    private static void writeAll(WritableByteChannel ch, byte[] bytes) throws IOException {
        writeAll(ch, ByteBuffer.wrap(bytes));
    }

    private static void writeAll(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Best effort: makes the rename durable where the platform allows opening a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Some platforms cannot fsync a directory; the file itself is already synced.
        }
    }

    /** Counts the bytes a payload writes. */
    private static final class Counting implements WritableByteChannel {
        private final WritableByteChannel ch;
        long count;

        Counting(WritableByteChannel ch) {
            this.ch = ch;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = ch.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() {
            // the writer owns the channel
        }
    }
}
