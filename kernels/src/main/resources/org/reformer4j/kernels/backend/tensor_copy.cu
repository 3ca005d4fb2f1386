// tensor_copy.cu - copy and fill of strided tensors on the device (Backend.copy / Backend.fill): dst and
// src of one shape with any strides (0 included on the source), converting the dtype exactly as
// org.reformer4j.core.cpu.CpuElementwise.copy does (integers to integers exactly, anything to float through
// double, floats to integers as Java's casts, to bool as != 0). Operand 0 of the Geometry is dst, 1 is src.
// Twin: TensorCopyCpu (the CPU backend's copy and fill).
// Versions: v1 - grid-stride over the elements of dst, offsets from the shape and the strides.
#include "tensor_common.cuh"

extern "C" __global__ void copy_same_v1(int esize, const char* __restrict__ src, char* __restrict__ dst,
                                        long long n, Geometry g) {
    long long step = (long long) blockDim.x * gridDim.x, off[2];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 2, off);
        if (esize == 4) ((int*) dst)[off[0]] = ((const int*) src)[off[1]];
        else if (esize == 8) ((long long*) dst)[off[0]] = ((const long long*) src)[off[1]];
        else dst[off[0]] = src[off[1]];
    }
}

extern "C" __global__ void copy_convert_v1(int srcType, const void* __restrict__ src, int dstType,
                                           void* __restrict__ dst, long long n, Geometry g) {
    long long step = (long long) blockDim.x * gridDim.x, off[2];
    bool srcIntegral = srcType >= DT_I32;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 2, off);
        long long l = 0;
        double d;
        if (srcType == DT_I32) l = ((const int*) src)[off[1]];
        else if (srcType == DT_I64) l = ((const long long*) src)[off[1]];
        else if (srcType == DT_BOOL) l = ((const unsigned char*) src)[off[1]] ? 1 : 0;
        d = srcIntegral ? (double) l : load_as_double(srcType, src, off[1]);
        switch (dstType) {
            case DT_F32: ((float*) dst)[off[0]] = (float) d; break;
            case DT_F64: ((double*) dst)[off[0]] = d; break;
            case DT_I32: ((int*) dst)[off[0]] = srcIntegral ? (int) l : java_d2i(d); break;
            case DT_I64: ((long long*) dst)[off[0]] = srcIntegral ? l : java_d2l(d); break;
            default: ((unsigned char*) dst)[off[0]] = (srcIntegral ? l != 0 : d != 0.0) ? 1 : 0; break;
        }
    }
}

// Every element of dst set to the low `esize` bytes of `bits` (the value already in dst's dtype).
extern "C" __global__ void fill_v1(int esize, char* __restrict__ dst, long long bits, long long n, Geometry g) {
    long long step = (long long) blockDim.x * gridDim.x, off[1];
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        geometry_offsets(g, i, 1, off);
        if (esize == 4) ((int*) dst)[off[0]] = (int) bits;
        else if (esize == 8) ((long long*) dst)[off[0]] = bits;
        else dst[off[0]] = (char) bits;
    }
}
