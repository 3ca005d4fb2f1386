package org.reformer4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one kernel launch, in the order of the kernel's parameters, marshalled exactly as
 * {@code cuLaunchKernel}'s {@code kernelParams}: an array of pointers, each to one argument's value. Both the
 * GPU and the emulator consume that same array, so a wrong argument list fails (or works) alike on both.
 * Device pointers are passed as {@link DeviceBuffer}s (optionally with a byte offset); scalars as int, long,
 * float or double, which must match the C parameter types ({@code int}, {@code long long}, {@code float}...).
 */
public final class KernelArgs {
    private enum Kind { PTR, I32, I64, F32, F64, STRUCT }

    private record Arg(Kind kind, long bits, long[] words) {
        Arg(Kind kind, long bits) {
            this(kind, bits, null);
        }

        long bytes() {
            return kind == Kind.STRUCT ? 8L * words.length : 8;
        }
    }

    private final List<Arg> args = new ArrayList<>();

    private KernelArgs() {}

    public static KernelArgs of() {
        return new KernelArgs();
    }

    /** A device pointer to the start of {@code buffer}. */
    public KernelArgs ptr(DeviceBuffer buffer) {
        return ptr(buffer, 0);
    }

    /** A device pointer {@code byteOffset} bytes into {@code buffer}. */
    public KernelArgs ptr(DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || byteOffset > buffer.byteSize())
            throw new IllegalArgumentException("kernel argument " + args.size() + ": byte offset " + byteOffset
                    + " outside buffer of " + buffer.byteSize() + " bytes");
        args.add(new Arg(Kind.PTR, buffer.address() + byteOffset));
        return this;
    }

    public KernelArgs i32(int v) {
        args.add(new Arg(Kind.I32, v));
        return this;
    }

    public KernelArgs i64(long v) {
        args.add(new Arg(Kind.I64, v));
        return this;
    }

    public KernelArgs f32(float v) {
        args.add(new Arg(Kind.F32, Float.floatToRawIntBits(v)));
        return this;
    }

    public KernelArgs f64(double v) {
        args.add(new Arg(Kind.F64, Double.doubleToRawLongBits(v)));
        return this;
    }

    /**
     * A struct passed by value whose fields are all {@code long long}, e.g.
     * {@code struct Strides { long long ndim, shape[6], stride[6]; }}: the values in field order.
     */
    public KernelArgs struct(long... fields) {
        if (fields.length == 0) throw new IllegalArgumentException("kernel argument " + args.size() + ": empty struct");
        args.add(new Arg(Kind.STRUCT, 0, fields.clone()));
        return this;
    }

    public int size() {
        return args.size();
    }

    /** Writes the values (8 bytes each) and the pointer array into {@code arena}; returns the pointer array. */
    MemorySegment marshal(Arena arena) {
        int n = args.size();
        long total = 8;
        for (Arg a : args) total += a.bytes();
        MemorySegment values = arena.allocate(total, 16);
        MemorySegment pointers = arena.allocate(8L * Math.max(1, n), 8);
        long at = 0;
        for (int i = 0; i < n; i++) {
            Arg a = args.get(i);
            switch (a.kind) {
                case I32, F32 -> values.set(ValueLayout.JAVA_INT, at, (int) a.bits);
                case PTR, I64, F64 -> values.set(ValueLayout.JAVA_LONG, at, a.bits);
                case STRUCT -> MemorySegment.copy(a.words, 0, values, ValueLayout.JAVA_LONG, at, a.words.length);
            }
            pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(at));
            at += a.bytes();
        }
        return pointers;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < args.size(); i++) {
            Arg a = args.get(i);
            if (i > 0) sb.append(", ");
            switch (a.kind) {
                case PTR -> sb.append("0x").append(Long.toHexString(a.bits));
                case I32, I64 -> sb.append(a.bits);
                case F32 -> sb.append(Float.intBitsToFloat((int) a.bits)).append('f');
                case F64 -> sb.append(Double.longBitsToDouble(a.bits));
                case STRUCT -> sb.append(java.util.Arrays.toString(a.words));
            }
        }
        return sb.append(')').toString();
    }
}
