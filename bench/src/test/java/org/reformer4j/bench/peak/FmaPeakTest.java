package org.reformer4j.bench.peak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@link FmaPeak}: the chains compute what a scalar loop of the same fused multiply-adds gives; the rate is a rate. */
class FmaPeakTest {
    @Test
    void chainsAreTheFusedMultiplyAddsTheyCount() {
        for (long trips : new long[] {0, 1, 7, 1000}) {
            float c = 3f;
            for (long i = 0; i < trips; i++) c = Math.fma(c, 0.999999f, 1e-7f);
            // 24 chains of S.length() lanes, each the same scalar recurrence, summed in chain order, then the lanes
            float chain24 = 0;
            for (int k = 0; k < 24; k++) chain24 += c;
            float want = 0;
            for (int l = 0; l < FloatVector.SPECIES_PREFERRED.length(); l++) want += chain24;
            assertEquals(want, FmaPeak.chains(trips, 3f), Math.ulp(want) * 64, "trips " + trips);
        }
        assertEquals(24L * 2 * FloatVector.SPECIES_PREFERRED.length(), FmaPeak.FLOPS_PER_TRIP);
    }

    @Test
    void roundsGiveAPositiveRate() throws InterruptedException {
        double g = FmaPeak.round(2, 20_000);
        assertTrue(g > 0 && Double.isFinite(g), "GFLOP/s " + g);
    }

    @Test
    void refusesUnknownArguments() {
        var e = assertThrows(IllegalArgumentException.class, () -> FmaPeak.main(new String[] {"--thread", "2"}));
        assertTrue(e.getMessage().contains("--thread"), e.getMessage());
    }
}
