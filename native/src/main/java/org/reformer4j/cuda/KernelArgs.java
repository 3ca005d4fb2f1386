package org.reformer4j.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The arguments of one kernel launch, in the order of the kernel's parameters, marshalled exactly as
 * {@code cuLaunchKernel}'s {@code kernelParams}: an array of pointers, each to one argument's value. Both the
 * GPU and the emulator consume that same array, so a wrong argument list fails (or works) alike on both.
 * Device pointers are passed as {@link DeviceBuffer}s (optionally with a byte offset); scalars as int, long,
 * float or double, which must match the C parameter types ({@code int}, {@code long long}, {@code float}...).
 * The values are kept as the 8-byte words they are marshalled to (a 4-byte scalar in the low half, zero above;
 * a struct one word per field), so {@link #marshal} is two bulk writes into the launching thread's scratch
 * memory ({@link LaunchScratch}) and no native allocation.
 */
public final class KernelArgs {
    private static final byte PTR = 0, I32 = 1, I64 = 2, F32 = 3, F64 = 4, STRUCT = 5;

    private long[] words = new long[8];
    private int wordCount;
    /** Per argument: its first word, times 8, plus its kind (low 3 bits). */
    private int[] slots = new int[8];
    private int count;

    private KernelArgs() {}

    public static KernelArgs of() {
        return new KernelArgs();
    }

    private KernelArgs add(byte kind, long word) {
        if (count == slots.length) slots = Arrays.copyOf(slots, 2 * count);
        if (wordCount == words.length) words = Arrays.copyOf(words, 2 * wordCount);
        slots[count++] = wordCount << 3 | kind;
        words[wordCount++] = word;
        return this;
    }

    /** A device pointer to the start of {@code buffer}. */
    public KernelArgs ptr(DeviceBuffer buffer) {
        return ptr(buffer, 0);
    }

    /** A device pointer {@code byteOffset} bytes into {@code buffer}. */
    public KernelArgs ptr(DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || byteOffset > buffer.byteSize())
            throw new IllegalArgumentException("kernel argument " + count + ": byte offset " + byteOffset
                    + " outside buffer of " + buffer.byteSize() + " bytes");
        return add(PTR, buffer.address() + byteOffset);
    }

    public KernelArgs i32(int v) {
        return add(I32, v & 0xFFFF_FFFFL);
    }

    public KernelArgs i64(long v) {
        return add(I64, v);
    }

    public KernelArgs f32(float v) {
        return add(F32, Float.floatToRawIntBits(v) & 0xFFFF_FFFFL);
    }

    public KernelArgs f64(double v) {
        return add(F64, Double.doubleToRawLongBits(v));
    }

    /**
     * A struct passed by value whose fields are all {@code long long}, e.g.
     * {@code struct Strides { long long ndim, shape[6], stride[6]; }}: the values in field order (copied now).
     */
    public KernelArgs struct(long... fields) {
        if (fields.length == 0) throw new IllegalArgumentException("kernel argument " + count + ": empty struct");
        if (wordCount + fields.length > words.length)
            words = Arrays.copyOf(words, Math.max(2 * words.length, wordCount + fields.length + 4));
        add(STRUCT, fields[0]);
        System.arraycopy(fields, 1, words, wordCount, fields.length - 1);
        wordCount += fields.length - 1;
        return this;
    }

    public int size() {
        return count;
    }

    /** Bytes {@link #marshal} writes: the pointer array, then the values at a 16-byte boundary. */
    long marshalledBytes() {
        return valuesOffset() + 8L * wordCount;
    }

    private long valuesOffset() {
        return (8L * Math.max(1, count) + 15) & ~15L;
    }

    /**
     * Writes the pointer array at the start of {@code scratch} and the values (8 bytes each, a struct 8 per
     * field) after it; {@code scratch} holds at least {@link #marshalledBytes()} and is aligned to 16 bytes.
     */
    void marshal(MemorySegment scratch) {
        long values = valuesOffset(), base = scratch.address() + values;
        MemorySegment.copy(words, 0, scratch, ValueLayout.JAVA_LONG, values, wordCount);
        for (int i = 0; i < count; i++)
            scratch.setAtIndex(ValueLayout.JAVA_LONG, i, base + 8L * (slots[i] >>> 3));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < count; i++) {
            int first = slots[i] >>> 3, kind = slots[i] & 7;
            long w = words[first];
            if (i > 0) sb.append(", ");
            switch (kind) {
                case PTR -> sb.append("0x").append(Long.toHexString(w));
                case I32 -> sb.append((int) w);
                case I64 -> sb.append(w);
                case F32 -> sb.append(Float.intBitsToFloat((int) w)).append('f');
                case F64 -> sb.append(Double.longBitsToDouble(w));
                default -> {
                    int end = i + 1 < count ? slots[i + 1] >>> 3 : wordCount;
                    sb.append(Arrays.toString(Arrays.copyOfRange(words, first, end)));
                }
            }
        }
        return sb.append(')').toString();
    }
}
