package org.reformer4j.core.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors element types reformer4j reads and writes, with their byte sizes and the float16 and
 * bfloat16 conversions (round to nearest even, as torch's {@code .half()} and {@code .bfloat16()}).
 * Names are the header's {@code "dtype"} strings of huggingface/safetensors ({@code Dtype} in its
 * {@code tensor.rs}); the other dtypes of that list (U8, I8, I16, U16, U32, U64, F8_*) are refused.
 */
public enum SafeTensorsDtype {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), BOOL(1);

    private final int size;

    SafeTensorsDtype(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** True for F64, F32, F16, BF16. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** True for I64 and I32. */
    public boolean isInteger() {
        return this == I64 || this == I32;
    }

    /** The dtype with this header name, or null when it is not one reformer4j supports. */
    public static SafeTensorsDtype byName(String name) {
        for (SafeTensorsDtype d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /** "F64, F32, F16, BF16, I64, I32, BOOL", for error messages. */
    public static String supportedList() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** bfloat16 bits -> float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float -> bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** IEEE binary16 bits -> float (exact). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float -> IEEE binary16 bits, round to nearest even. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }
}
