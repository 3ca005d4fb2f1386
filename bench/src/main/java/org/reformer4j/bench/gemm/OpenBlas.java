package org.reformer4j.bench.gemm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The OpenBLAS baseline of the GEMM benchmarks, through {@code org.bytedeco:openblas}: row-major
 * {@code cblas_sgemm} on native {@link FloatPointer} buffers (no array copies inside the timed call),
 * the thread count, and the core type and build configuration OpenBLAS reports (read through the
 * foreign-function API, since the JavaCPP presets do not map {@code openblas_get_corename}).
 */
public final class OpenBlas {
    static {
        Loader.load(openblas_nolapack.class);
    }

    private OpenBlas() {}

    /** Sets the number of OpenBLAS threads. */
    public static void setThreads(int n) {
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(n);
    }

    /** The number of OpenBLAS threads. */
    public static int threads() {
        return org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads();
    }

    /** {@code C = alpha op(A) op(B) + beta C}, row-major; op given by the transpose flags. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             FloatPointer a, int lda, FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** What {@code openblas_get_corename()} returns (the kernel set in use), or a reason it is unknown. */
    public static String coreName() {
        return callString("openblas_get_corename");
    }

    /** What {@code openblas_get_config()} returns (version, threading, build target). */
    public static String config() {
        return callString("openblas_get_config");
    }

    /** One line for benchmark logs: core name, configuration, threads and OPENBLAS_CORETYPE if set. */
    public static String describe() {
        String env = System.getenv("OPENBLAS_CORETYPE");
        return "OpenBLAS core=" + coreName() + " config=[" + config() + "] threads=" + threads()
                + " OPENBLAS_CORETYPE=" + (env == null ? "(unset)" : env);
    }

    private static String callString(String symbol) {
        try {
            MemorySegment fn = SymbolLookup.loaderLookup().find(symbol)
                    .orElseThrow(() -> new IllegalStateException(symbol + " not found in the loaded libraries"));
            MethodHandle h = Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(4096).getString(0);
        } catch (Throwable e) {
            return "unknown (" + e + ")";
        }
    }

    /** Copies a heap array into a native buffer (so both implementations multiply the same numbers). */
    public static FloatPointer copyOf(float[] x) {
        FloatPointer p = new FloatPointer(x.length);
        p.put(x);
        return p;
    }
}
