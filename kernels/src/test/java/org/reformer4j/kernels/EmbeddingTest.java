package org.reformer4j.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;

/** embedding.cu against EmbeddingCpu: gathers exactly, scatter-adds repeated ids within rounding, bad ids named. */
class EmbeddingTest {
    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void gatherAndScatterAddMatchTwin(String device) {
        CudaRuntime rt = Devices.get(device);
        Random r = new Random(51);
        int[][] cases = {{0, 8, 5}, {1, 1, 1}, {37, 13, 9}, {300, 65, 17}, {5, 0, 3}};  // n, dim, vocab
        for (int[] c : cases) {
            int n = c[0], dim = c[1], vocab = c[2];
            float[] table = Check.uniform(r, vocab * dim, -1f, 1f), dout = Check.uniform(r, n * dim, -1f, 1f);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
            float[] out = new float[n * dim], dtable = new float[vocab * dim];
            EmbeddingCpu.forward(table, ids, out, n, dim, vocab);
            EmbeddingCpu.backward(dout, ids, dtable, n, dim, vocab);
            String at = device + " n=" + n + " dim=" + dim + " vocab=" + vocab;
            try (DeviceBuffer dT = rt.upload(table); DeviceBuffer dI = rt.upload(ids); DeviceBuffer dO = rt.allocate(4L * n * dim);
                    DeviceBuffer dDo = rt.upload(dout); DeviceBuffer dDt = rt.allocate(4L * vocab * dim)) {
                Embedding.forward(rt, dT, dI, dO, n, dim, vocab, 1);
                Check.close(at + " forward", out, rt.downloadFloats(dO, n * dim), 0, 0);
                rt.memset(dDt, 0, 4L * vocab * dim, (byte) 0);
                Embedding.backward(rt, dDo, dI, dDt, n, dim, vocab, 1);
                Check.close(at + " backward", dtable, rt.downloadFloats(dDt, vocab * dim), 32, 1e-6);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.reformer4j.kernels.Devices#names")
    void idOutsideVocabularyIsNamed(String device) {
        CudaRuntime rt = Devices.get(device);
        try (DeviceBuffer table = rt.upload(new float[12]); DeviceBuffer ids = rt.upload(new int[] {0, 2, 7, -1});
                DeviceBuffer out = rt.allocate(4 * 12)) {
            var e = assertThrows(IndexOutOfBoundsException.class, () -> Embedding.forward(rt, table, ids, out, 4, 3, 4, 1));
            assertTrue(e.getMessage().contains("id 7 at position 2") && e.getMessage().contains("[0, 4)"), e.getMessage());
        }
    }
}
