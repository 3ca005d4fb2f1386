package org.reformer4j.core.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Reads a safetensors file (huggingface/safetensors' format, what {@code safetensors.torch.load_file}
 * reads): u64-LE header length N, N bytes of JSON {@code {name: {dtype, shape, data_offsets: [b, e]},
 * "__metadata__": {str: str}}}, then the little-endian C-order data, offsets relative to its start.
 * The whole header is validated on {@link #open} (see {@link SafeTensorsHeader}); the data is memory
 * mapped and copied out on request with the conversions named by each accessor. Close it when done.
 */
public final class SafeTensors implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One tensor of the header: dtype, shape, byte span [begin, end) relative to the data section. */
    public record Entry(String name, SafeTensorsDtype dtype, long[] shape, long begin, long end) {
        /** Number of elements (product of the shape; 1 for a scalar). */
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafeTensorsHeader header;

    private SafeTensors(Path path, Arena arena, MemorySegment data, SafeTensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
    }

    /** Opens, maps and validates a file; a malformed one throws {@link SafeTensorsException} naming the problem. */
    public static SafeTensors open(Path path) throws IOException {
        String file = path.toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsException(file + ": truncated: " + size
                        + " bytes, shorter than the 8-byte header length");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(I64, 0);
            if (n < 0 || n > SafeTensorsHeader.MAX_HEADER_BYTES) {
                throw new SafeTensorsException(file + ": header length " + Long.toUnsignedString(n)
                        + " is absurd (limit " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes)");
            }
            if (n > size - 8) {
                throw new SafeTensorsException(file + ": truncated: header length " + n
                        + " runs past the end of the file (" + size + " bytes)");
            }
            MemorySegment data = all.asSlice(8 + n);
            SafeTensorsHeader header = SafeTensorsHeader.parse(all.asSlice(8, n).asByteBuffer(), data.byteSize(), file);
            SafeTensors st = new SafeTensors(path, arena, data, header);
            st.checkBools();
            return st;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return header.entries.keySet();
    }

    /** True when the file holds a tensor of this name. */
    public boolean contains(String name) {
        return header.entries.containsKey(name);
    }

    /** The {@code "__metadata__"} map (empty when absent). */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /** The header entry of a tensor. */
    public Entry entry(String name) {
        Entry e = header.entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("SafeTensors: no tensor '" + name + "' in " + path + " (it holds "
                    + header.entries.size() + " tensors" + (header.entries.isEmpty() ? "" : ", e.g. '"
                    + header.entries.keySet().iterator().next() + "'") + ")");
        }
        return e;
    }

    /** A copy of the tensor's shape. */
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** The tensor's header dtype string ("F32", "BF16", ...). */
    public String dtype(String name) {
        return entry(name).dtype().name();
    }

    /** The tensor's raw little-endian bytes as a read-only view of the mapped file (valid until close). */
    public MemorySegment segment(String name) {
        Entry e = entry(name);
        return data.asSlice(e.begin(), e.end() - e.begin()).asReadOnly();
    }

    /** Values as float: F32 exact, F16/BF16 widened exactly, F64 rounded to nearest float. */
    public float[] floats(String name) {
        Entry e = entry(name);
        int n = count(e, "floats");
        MemorySegment s = segment(name);
        float[] out = new float[n];
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(s, F32, 0, out, 0, n);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) s.getAtIndex(F64, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = SafeTensorsDtype.f16ToFloat(s.getAtIndex(I16, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = SafeTensorsDtype.bf16ToFloat(s.getAtIndex(I16, i)); }
            default -> throw wrongType(e, "floats", "F32, F64, F16, BF16");
        }
        return out;
    }

    /** Values as double: F64 exact, F32/F16/BF16 widened exactly. */
    public double[] doubles(String name) {
        Entry e = entry(name);
        int n = count(e, "doubles");
        MemorySegment s = segment(name);
        double[] out = new double[n];
        switch (e.dtype()) {
            case F64 -> MemorySegment.copy(s, F64, 0, out, 0, n);
            case F32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(F32, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = SafeTensorsDtype.f16ToFloat(s.getAtIndex(I16, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = SafeTensorsDtype.bf16ToFloat(s.getAtIndex(I16, i)); }
            default -> throw wrongType(e, "doubles", "F64, F32, F16, BF16");
        }
        return out;
    }

    /** Values of an I64 or I32 tensor as long. */
    public long[] longs(String name) {
        Entry e = entry(name);
        int n = count(e, "longs");
        MemorySegment s = segment(name);
        long[] out = new long[n];
        switch (e.dtype()) {
            case I64 -> MemorySegment.copy(s, I64, 0, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(I32, i); }
            default -> throw wrongType(e, "longs", "I64, I32");
        }
        return out;
    }

    /** Values of an I32 tensor, or of an I64 one whose values all fit in an int. */
    public int[] ints(String name) {
        Entry e = entry(name);
        int n = count(e, "ints");
        MemorySegment s = segment(name);
        int[] out = new int[n];
        switch (e.dtype()) {
            case I32 -> MemorySegment.copy(s, I32, 0, out, 0, n);
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    long v = s.getAtIndex(I64, i);
                    if (v != (int) v) {
                        throw new IllegalArgumentException("SafeTensors.ints: tensor '" + name + "' (I64) holds " + v
                                + " at flat index " + i + ", outside the int range; use longs()");
                    }
                    out[i] = (int) v;
                }
            }
            default -> throw wrongType(e, "ints", "I32, I64");
        }
        return out;
    }

    /** Values of a BOOL tensor. */
    public boolean[] bools(String name) {
        Entry e = entry(name);
        int n = count(e, "bools");
        if (e.dtype() != SafeTensorsDtype.BOOL) throw wrongType(e, "bools", "BOOL");
        MemorySegment s = segment(name);
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0;
        return out;
    }

    /** Unmaps the file; the accessors fail afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "SafeTensors(" + path + ", " + header.entries.size() + " tensors)";
    }

    /** A BOOL byte other than 0 or 1 is malformed (safetensors and torch store bools as one byte 0/1). */
    private void checkBools() throws SafeTensorsException {
        for (Entry e : header.entries.values()) {
            if (e.dtype() != SafeTensorsDtype.BOOL) continue;
            for (long i = e.begin(); i < e.end(); i++) {
                byte b = data.get(ValueLayout.JAVA_BYTE, i);
                if (b != 0 && b != 1) {
                    throw new SafeTensorsException(path + ": BOOL tensor '" + e.name() + "' holds byte " + (b & 0xFF)
                            + " at flat index " + (i - e.begin()) + " (must be 0 or 1)");
                }
            }
        }
    }

    private int count(Entry e, String op) {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("SafeTensors." + op + ": tensor '" + e.name() + "' has " + n
                    + " elements, too many for a Java array; read it through segment()");
        }
        return (int) n;
    }

    private IllegalArgumentException wrongType(Entry e, String op, String accepted) {
        return new IllegalArgumentException("SafeTensors." + op + ": tensor '" + e.name() + "' in " + path
                + " has dtype " + e.dtype() + "; " + op + "() reads " + accepted);
    }
}
