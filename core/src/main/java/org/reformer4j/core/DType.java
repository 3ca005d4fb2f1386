package org.reformer4j.core;

/**
 * Element types. float32 is the working type; float64 exists on the CPU for gradient checks and
 * references; int32/int64 hold ids and indices; bool holds masks ("true = keep" everywhere).
 */
public enum DType {
    F32(4, true), F64(8, true), I32(4, false), I64(8, false), BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for float32 and float64: the types autograd differentiates. */
    public boolean isFloating() {
        return floating;
    }

    /** The type two operands are computed in: F64 > F32 > I64 > I32 > BOOL. */
    public static DType promote(DType a, DType b) {
        return a.ordinalRank() >= b.ordinalRank() ? a : b;
    }

    private int ordinalRank() {
        return switch (this) {
            case BOOL -> 0;
            case I32 -> 1;
            case I64 -> 2;
            case F32 -> 3;
            case F64 -> 4;
        };
    }
}
