package org.reformer4j.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.cuda.CudaRuntime;

/**
 * The CUDA backend's memory: host round trips of every dtype (empty, strided and offset views included),
 * zeroed allocation, storages of a closed Scope handed back to the caching allocator at once (and unusable
 * afterwards), a kept tensor surviving its scope, and devices other than cuda:0 refused.
 */
class CudaBackendMemoryTest {
    @Test
    void hostRoundTripsOfEveryDtype() {
        Device cuda = Cases.cuda();
        Random r = new Random(17);
        for (DType dt : DType.values())
            for (int[] shape : new int[][] {{0}, {1}, {3, 5}, {2, 3, 4}}) {
                Tensor x = Cases.random(r, dt, shape), d = x.to(cuda);
                assertEquals(cuda, d.device());
                Cases.close(dt + " round trip", x, d.to(Device.CPU), 0, 0);
                if (shape.length >= 2) {
                    Cases.close(dt + " transposed", x.transpose(0, 1).contiguous(), d.transpose(0, 1).to(Device.CPU), 0, 0);
                    Cases.close(dt + " narrowed", x.narrow(0, 1, 1), d.narrow(0, 1, 1).to(Device.CPU), 0, 0);
                }
            }
        Tensor z = Tensor.zeros(new int[] {1000}, DType.F64, cuda);
        assertArrayEquals(new double[1000], z.toDoubleArray());
    }

    @Test
    void aClosedScopeHandsItsBuffersBack() {
        Device cuda = Cases.cuda();
        CudaRuntime rt = ((CudaBackend) Backends.of(cuda)).runtime();
        Tensor kept, lost;
        long before = rt.bytesInUse();
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(new int[] {256, 256}, DType.F32, cuda);
            lost = a.add(1.0).mul(a);
            kept = s.keep(lost.sum(0, false));
            assertTrue(rt.bytesInUse() >= before + 2L * 256 * 256 * 4);
        }
        assertTrue(rt.bytesInUse() < before + 256L * 256 * 4, "in use " + rt.bytesInUse() + " after the scope, " + before + " before");
        assertEquals(0.0, kept.sum().item());
        var e = assertThrows(IllegalStateException.class, lost::toFloatArray);
        assertTrue(e.getMessage().contains("Scope"), e.getMessage());
    }

    @Test
    void onlyDeviceZeroIsServed() {
        Device cuda = Cases.cuda();
        var e = assertThrows(IllegalArgumentException.class,
                () -> Backends.of(cuda).allocate(new Device("cuda", 1), DType.F32, 4, true));
        assertTrue(e.getMessage().contains("cuda:1"), e.getMessage());
    }
}
