package org.reformer4j.core.cpu;

import org.reformer4j.core.DType;

/** Element access by dtype for the CPU's slow paths (integers, bools, conversions). */
final class Access {
    private Access() {}

    static double get(Object a, DType t, int i) {
        return switch (t) {
            case F32 -> ((float[]) a)[i];
            case F64 -> ((double[]) a)[i];
            case I32 -> ((int[]) a)[i];
            case I64 -> ((long[]) a)[i];
            case BOOL -> ((boolean[]) a)[i] ? 1.0 : 0.0;
        };
    }

    static void set(Object a, DType t, int i, double v) {
        switch (t) {
            case F32 -> ((float[]) a)[i] = (float) v;
            case F64 -> ((double[]) a)[i] = v;
            case I32 -> ((int[]) a)[i] = (int) v;
            case I64 -> ((long[]) a)[i] = (long) v;
            case BOOL -> ((boolean[]) a)[i] = v != 0;
        }
    }

    static long getLong(Object a, DType t, int i) {
        return switch (t) {
            case I32 -> ((int[]) a)[i];
            case I64 -> ((long[]) a)[i];
            case BOOL -> ((boolean[]) a)[i] ? 1 : 0;
            case F32 -> (long) ((float[]) a)[i];
            case F64 -> (long) ((double[]) a)[i];
        };
    }

    static void setLong(Object a, DType t, int i, long v) {
        switch (t) {
            case I32 -> ((int[]) a)[i] = (int) v;
            case I64 -> ((long[]) a)[i] = v;
            case BOOL -> ((boolean[]) a)[i] = v != 0;
            case F32 -> ((float[]) a)[i] = v;
            case F64 -> ((double[]) a)[i] = v;
        }
    }

    static Object newArray(DType t, int n) {
        return switch (t) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        };
    }
}
