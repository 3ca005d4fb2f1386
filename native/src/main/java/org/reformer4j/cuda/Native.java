package org.reformer4j.cuda;

import static org.bytedeco.cuda.global.cublas.cublasGetStatusName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The raw boundary to JavaCPP's CUDA presets: status-code checks that turn every failure into a
 * {@link CudaException} naming the call, the error and the arguments, and {@link Pointer}s at raw
 * addresses (device pointers, FFM segments). Only classes of this package touch org.bytedeco.
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

    static void check(int result, String call, Object... args) {
        if (result != 0) {
            BytePointer name = new BytePointer((Pointer) null);
            String errorName = cuGetErrorName(result, name) == 0 && name.address() != 0 ? name.getString()
                    : "CUresult " + result;
            throw new CudaException(call, errorName, join(args), "");
        }
    }

    static void checkBlas(int status, String call, Object... args) {
        if (status != 0) {
            BytePointer name = cublasGetStatusName(status);
            throw new CudaException(call, name == null ? "cublasStatus " + status : name.getString(), join(args), "");
        }
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
