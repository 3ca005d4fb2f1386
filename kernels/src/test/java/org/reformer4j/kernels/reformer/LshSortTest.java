package org.reformer4j.kernels.reformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.kernels.Devices;

/**
 * lsh_sort.cu (both versions) against LshSortCpu, exactly, on lengths around the 256-item tile, one bucket
 * for everything (stability), as many buckets as items, several rounds; the twin against a comparison sort
 * of the reference key {@code T*bucket + (j mod T)} (R:282-288), undo its inverse.
 */
class LshSortTest {
    /** rows, len, hashes, nBuckets, skew (0 uniform, 1 one bucket, 2 few buckets). */
    static final int[][] CASES = {{1, 2, 1, 2, 0}, {2, 300, 3, 6, 0}, {3, 256, 2, 2, 1}, {1, 513, 4, 130, 2},
            {2, 1000, 2, 1000, 0}, {1, 257, 1, 4, 1}};

    static int[] buckets(int[] cs, Random r) {
        int rows = cs[0], len = cs[1], h = cs[2], nb = cs[3];
        int[] b = new int[rows * h * len];
        for (int i = 0; i < b.length; i++) {
            int k = i / len % h;
            int v = switch (cs[4]) {
                case 1 -> nb - 1;
                case 2 -> r.nextInt(3) * (nb / 3);
                default -> r.nextInt(nb);
            };
            b[i] = v + k * nb;
        }
        return b;
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void kernelMatchesTwinExactly(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(91);
        for (int[] cs : CASES) {
            int rows = cs[0], len = cs[1], h = cs[2], nb = cs[3], items = rows * h * len;
            int[] b = buckets(cs, r);
            LshSortCpu.Sorted want = LshSortCpu.sort(b, rows, len, h, nb);
            for (int version = 1; version <= LshSort.VERSIONS; version++)
                try (DeviceBuffer db = rt.upload(b); DeviceBuffer st = rt.allocate(4L * items); DeviceBuffer un = rt.allocate(4L * items)) {
                    LshSort.sort(rt, db, st, un, rows, len, h, nb, version);
                    String at = device + " v" + version + " case " + Arrays.toString(cs);
                    Near.exact(at + " sticker", want.sticker(), rt.downloadInts(st, items));
                    Near.exact(at + " undo", want.undo(), rt.downloadInts(un, items));
                }
        }
    }

    @Test
    void twinSortsByTheReferenceKey() {
        Random r = new Random(92);
        for (int[] cs : CASES) {
            int rows = cs[0], len = cs[1], h = cs[2], nb = cs[3], hl = h * len;
            int[] b = buckets(cs, r);
            LshSortCpu.Sorted s = LshSortCpu.sort(b, rows, len, h, nb);
            for (int n = 0; n < rows; n++) {
                long[] keys = new long[hl];
                for (int j = 0; j < hl; j++) keys[j] = ((long) len * b[n * hl + j] + j % len) * hl + j;
                Arrays.sort(keys);
                for (int at = 0; at < hl; at++) {
                    int j = (int) (keys[at] % hl);
                    assertEquals(j, s.sticker()[n * hl + at], "case " + Arrays.toString(cs) + " row " + n + " place " + at);
                    assertEquals(at, s.undo()[n * hl + j], "undo, case " + Arrays.toString(cs) + " row " + n + " item " + j);
                }
            }
        }
    }

    @Test
    void bucketsOutsideTheirRoundAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> LshSortCpu.sort(new int[] {0, 1, 1, 1}, 1, 2, 2, 2));
        assertTrue(e.getMessage().contains("bucket 1 outside the round's [2, 4)"), e.getMessage());
    }
}
