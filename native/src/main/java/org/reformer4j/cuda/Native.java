package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.cublas.cublasGetStatusName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The raw boundary to JavaCPP's CUDA presets: status-code checks that turn every failure into a
 * {@link CudaException} naming the call, the error and the arguments, and {@link Pointer}s at raw
 * addresses (device pointers, FFM segments). Only classes of this package touch org.bytedeco. The checks
 * with fixed primitive arguments allocate nothing when the call succeeds (the varargs one allocates its array
 * at every call, so hot paths use the others); the message is built only on failure.
 */
final class Native {
    private Native() {}

    /** A JavaCPP pointer at a raw address, for arguments typed {@code void*} or {@code float*}. */
    static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }

    /**
     * A {@code void**} at a native address, for parameters declared {@code @Cast("void**")}: JavaCPP passes a
     * plain {@link Pointer} given for such a parameter by the address of a copy of it (one level of indirection
     * too many), so cuLaunchKernel's {@code kernelParams} must be a PointerPointer. Seen on the first GPU run:
     * one-parameter kernels read their argument from a host address (CUDA_ERROR_ILLEGAL_ADDRESS), longer
     * lists failed with CUDA_ERROR_INVALID_VALUE; the emulator reads the same array directly and never saw it.
     */
    static final class PointerArray extends org.bytedeco.javacpp.PointerPointer<Pointer> {
        PointerArray(long address) {
            this.address = address;
        }
    }

    /** A {@code float*} operand whose address is set per call ({@link #at}), for a caller that owns it. */
    static final class Floats extends org.bytedeco.javacpp.FloatPointer {
        Floats at(long address) {
            this.address = address;
            return this;
        }
    }

    static void check(int result, String call) {
        if (result != 0) throw failure(result, call, "");
    }

    static void check(int result, String call, String detail) {
        if (result != 0) throw failure(result, call, detail);
    }

    static void check(int result, String call, String detail, int value) {
        if (result != 0) throw failure(result, call, detail + ", " + value);
    }

    /** Long arguments (addresses, byte counts) are written in hex. */
    static void check(int result, String call, long a) {
        if (result != 0) throw failure(result, call, join(a));
    }

    static void check(int result, String call, long a, long b) {
        if (result != 0) throw failure(result, call, join(a, b));
    }

    static void check(int result, String call, long a, long b, long c) {
        if (result != 0) throw failure(result, call, join(a, b, c));
    }

    /** For cold paths only: the arguments array is allocated even when the call succeeds. */
    static void check(int result, String call, Object... args) {
        if (result != 0) throw failure(result, call, join(args));
    }

    private static CudaException failure(int result, String call, String args) {
        BytePointer name = new BytePointer((Pointer) null);
        String errorName = cuGetErrorName(result, name) == 0 && name.address() != 0 ? name.getString()
                : "CUresult " + result;
        return new CudaException(call, errorName, args, "");
    }

    static void checkBlas(int status, String call) {
        if (status != 0) throw blasFailure(status, call, "");
    }

    static void checkBlas(int status, String call, String detail) {
        if (status != 0) throw blasFailure(status, call, detail);
    }

    /** A GEMM's sizes, named in the message. */
    static void checkBlas(int status, String call, int m, int n, int k, int lda, int ldb, int ldc, int batch) {
        if (status != 0)
            throw blasFailure(status, call, "m=" + m + ", n=" + n + ", k=" + k + ", lda=" + lda + ", ldb=" + ldb
                    + ", ldc=" + ldc + ", batch=" + batch);
    }

    private static CudaException blasFailure(int status, String call, String args) {
        BytePointer name = cublasGetStatusName(status);
        return new CudaException(call, name == null ? "cublasStatus " + status : name.getString(), args, "");
    }

    static void checkNvrtc(int result, String call, String log, Object... args) {
        if (result != 0) {
            BytePointer s = nvrtcGetErrorString(result);
            throw new CudaException(call, s == null ? "nvrtcResult " + result : s.getString(), join(args), log);
        }
    }

    private static String join(Object... args) {
        StringBuilder sb = new StringBuilder();
        for (Object a : args) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(a instanceof Long l ? "0x" + Long.toHexString(l) : String.valueOf(a));
        }
        return sb.toString();
    }
}
