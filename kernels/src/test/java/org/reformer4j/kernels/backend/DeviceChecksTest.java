package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;

/**
 * The bounds checks of the index and cross-entropy kernels ({@link DeviceChecks}): by default an out-of-range
 * index throws at the op; deferred, the ops copy nothing either way and every queued check is read in one
 * copy at the next copy to the host or at checkPending, which throws the CPU's message for the first bad one.
 */
class DeviceChecksTest {
    @Test
    void deferredChecksCopyNothingUntilTheNextRead() {
        Device cuda = Cases.cuda();
        CudaBackend backend = (CudaBackend) Backends.of(cuda);
        CudaRuntime rt = backend.runtime();
        Tensor weight = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 3, 2).to(cuda);
        Tensor ids = Tensor.of(new long[] {2, 0, 1}, 3).to(cuda);
        Tensor logits = Tensor.of(new float[] {1, 2, 3, 0, 0, 0}, 2, 3).to(cuda);
        Tensor target = Tensor.of(new long[] {2, 1}, 2).to(cuda);
        backend.deferChecks(true);
        try {
            long toHost = rt.copiesToHost(), toDevice = rt.copiesToDevice();
            Tensor e = Tensor.embedding(weight, ids);
            Tensor loss = Functional.crossEntropy(logits, target, -100);
            assertEquals(0, rt.copiesToHost() - toHost, "copies to the host while the checks are deferred");
            assertEquals(0, rt.copiesToDevice() - toDevice, "copies to the device while the checks are deferred");
            assertArrayEquals(new float[] {4, 5, 0, 1, 2, 3}, e.toFloatArray());
            assertEquals(2, rt.copiesToHost() - toHost, "one read of both checks, one of the values");
            double want = (Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3 + Math.log(3)) / 2;
            assertEquals(want, loss.item(), 1e-6);

            Tensor bad = Tensor.of(new long[] {1, 3}, 2).to(cuda);
            Tensor.embedding(weight, bad); // no error yet: it surfaces at the next check
            var err = assertThrows(IndexOutOfBoundsException.class, backend::checkPending);
            assertTrue(err.getMessage().contains("index 3 is out of range for dim 0 of size 3"), err.getMessage());
            backend.checkPending(); // the queue was emptied by the failure

            Functional.crossEntropy(logits, Tensor.of(new long[] {1, 7}, 2).to(cuda), -100);
            var atRead = assertThrows(IndexOutOfBoundsException.class, ids::toLongArray);
            assertTrue(atRead.getMessage().contains("target 7 at position 1"), atRead.getMessage());
        } finally {
            backend.deferChecks(false);
        }
        Tensor bad = Tensor.of(new long[] {5}, 1).to(cuda);
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.embedding(weight, bad), "immediate again");
        assertEquals(DType.F32, weight.dtype());
    }
}
