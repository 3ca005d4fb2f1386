package org.reformer4j.core.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * x^p for a general finite exponent through the JDK's own vector power ({@code VectorOperators.POW}), which HotSpot
 * compiles to its bundled short-vector math library on x86 with AVX-512DQ, and only for 512-bit vectors: there it
 * takes ~1.6 ns an element on one core, where {@link UnaryVector}'s float64-lane power takes ~4, and a power is
 * compute-bound either way. Anywhere else the same call falls back to Math.pow lane by lane (~25 ns an element), so
 * this path is chosen only where the JDK is known to compile it: 16-lane preferred float vectors, the library in the
 * JDK, and the CPU's avx512dq flag ({@code /proc/cpuinfo}).
 *
 * <p>The price is accuracy and twin-ness: the library's results are within 1 ulp of the exact power (over 16 M random
 * bit patterns and 12 exponents, 0.03-0.3% of the results one ulp from the correctly rounded float), where the
 * float64-lane loop and its scalar twin round correctly but for values within ~1e-13 of a midpoint. So with this path a
 * contiguous tensor's power may differ by one ulp from the same values read through a strided view (which takes the
 * scalar twin) - the accuracy class of PyTorch's own vectorised power. Until C2 has compiled this loop the Vector API
 * computes the same call lane by lane with Math.pow, so the first calls of a run may round differently (by that ulp)
 * from later ones. {@code -Dreformer4j.pow.svml=false} keeps the correctly rounded loop everywhere, the same bits in
 * every run. The model's own passes never take a general power (its powers are 2, 3, 0.5 and -1, or scalar).
 */
final class SvmlPow {
    static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    static final int LANES = 16;
    /** Whether {@link UnaryVector#powGeneral} takes this path (decided once, at class initialisation). */
    static final boolean ENABLED = decide();

    private SvmlPow() {}

    private static boolean decide() {
        if (!Boolean.parseBoolean(System.getProperty("reformer4j.pow.svml", "true"))) return false;
        if (FloatVector.SPECIES_PREFERRED.length() != LANES) return false;
        if (!Files.exists(Path.of(System.getProperty("java.home"), "lib", "libjsvml.so"))) return false;
        boolean dq = cpuHasAvx512dq();
        if (dq) Logger.getLogger(SvmlPow.class.getName()).fine("x^p for general p through the JDK's vector math library (within 1 ulp)");
        return dq;
    }

    private static boolean cpuHasAvx512dq() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return (" " + line.substring(line.indexOf(':') + 1) + " ").contains(" avx512dq ");
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** y = x^p over [0, up), up a multiple of 16; lanes whose x is not positive and finite are redone by Math.pow. */
    static void pow(float p, float[] x, int px, float[] y, int py, int up) {
        for (int i = 0; i < up; i += LANES) {
            FloatVector v = FloatVector.fromArray(S16, x, px + i);
            v.lanewise(VectorOperators.POW, p).intoArray(y, py + i);
            // the same lines as UnaryVector.powGeneral's, written out in each loop: a shared helper taking the vector made
            // that float64-lane loop 3.4x slower (145-148 against 43-44 ms for 16 M floats on one thread)
            VectorMask<Float> odd = v.compare(VectorOperators.GT, 0f).and(v.compare(VectorOperators.LT, Float.POSITIVE_INFINITY)).not();
            if (odd.anyTrue()) {
                for (int j = 0; j < LANES; j++) if (odd.laneIsSet(j)) y[py + i + j] = (float) Math.pow(x[px + i + j], p);
            }
        }
    }
}
