package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;
import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.kernels.backend.CudaBackend;

/**
 * A ReformerLM training step on cuda:0 (the emulator in CI) with the model's own Philox rotations drawn on
 * the device: forward, loss, reversible backward, Adam, all without a host copy in either direction, counted
 * by the runtime's transfer counters around the step (the bounds checks of embedding and cross entropy
 * deferred to the loss read after it); the same steps on the CPU give the same losses and updates (the
 * device draws the same rotations). Generation on the device gives the CPU's tokens. And {@code Module.to}
 * moves parameters and buffers, with the optimizer state following them.
 */
class TrainingStepOnDeviceTest {
    static final Device CUDA = ReformerGoldenOnDeviceTest.CUDA;

    @org.junit.jupiter.api.BeforeAll
    static void deviceAvailable() {
        ReformerGoldenOnDeviceTest.assumeDevice();
    }

    private static ReformerLM model() {
        return ReformerLM.builder().numTokens(40).dim(16).depth(2).heads(2).dimHead(8).bucketSize(4).nHashes(2).maxSeqLen(32)
                .causal(true).ffChunks(1).seed(7).build();
    }

    private static Tensor[] batch() {
        java.util.Random r = new java.util.Random(5);
        long[] xi = new long[2 * 30], xo = new long[2 * 30];
        for (int i = 0; i < xi.length; i++) {
            xi[i] = 1 + r.nextInt(39);
            xo[i] = r.nextInt(40); // some 0 = ignore index
        }
        return new Tensor[] {Tensor.of(xi, 2, 30), Tensor.of(xo, 2, 30)};
    }

    /** One step; returns the loss tensor (not read). */
    private static Tensor step(TrainingWrapper w, Adam opt, Tensor xi, Tensor xo) {
        opt.zeroGrad();
        Tensor loss;
        try (var s = Scope.open()) {
            loss = s.keep(w.forward(xi, xo, null).loss());
            loss.backward();
            opt.step();
        }
        return loss;
    }

    /**
     * Two steps on the device beside two on the CPU: the first warms up (compiles kernels, makes the rotary table
     * of this length), the second is counted. Both give the CPU's losses and updates.
     */
    /**
     * The reversible stack slices its feed-forward by 2048 positions on the CPU (memory) and by 16384 on a device,
     * where each slice costs launches: the lsh4k model at 4096 tokens runs it whole there (42 launches a step less).
     */
    @Test
    void feedForwardSlicesAreLargerOnADevice() {
        Tensor cpu = Tensor.zeros(new int[] {2, 3, 4}, DType.F32, Device.CPU);
        assertEquals(1024, ReversibleSequence.sliceRows(cpu));
        try (var scope = Scope.open()) {
            Tensor dev = Tensor.zeros(new int[] {2, 3, 4}, DType.F32, CUDA);
            assertEquals(8192, ReversibleSequence.sliceRows(dev));
            assertEquals(16384, ReversibleSequence.sliceRows(Tensor.zeros(new int[] {1, 3, 4}, DType.F32, CUDA)));
            assertEquals(1, ReversibleSequence.sliceRows(Tensor.zeros(new int[] {20000, 1, 4}, DType.F32, CUDA)));
        }
    }

    @Test
    void aTrainingStepStaysOnTheDeviceAndEqualsTheCpuStep() {
        CudaBackend backend = (CudaBackend) Backends.of(CUDA);
        CudaRuntime rt = backend.runtime();
        ReformerLM cpu = model(), dev = model().to(CUDA);
        var wc = new TrainingWrapper(cpu, 0, 0);
        var wd = new TrainingWrapper(dev, 0, 0);
        var oc = new Adam(cpu.parameters(), 1e-2);
        var od = new Adam(dev.parameters(), 1e-2);
        Tensor[] b = batch();
        Tensor xi = b[0].to(CUDA), xo = b[1].to(CUDA); // the batch goes over before the step
        double c1 = step(wc, oc, b[0], b[1]).item(), c2 = step(wc, oc, b[0], b[1]).item();
        Tensor first = step(wd, od, xi, xo);
        // the bounds checks of embedding and cross entropy are read with the loss, not after each op
        backend.deferChecks(true);
        try {
            long toHost = rt.copiesToHost(), toDevice = rt.copiesToDevice();
            Tensor second = step(wd, od, xi, xo);
            long stepToHost = rt.copiesToHost() - toHost, stepToDevice = rt.copiesToDevice() - toDevice;
            long beforeRead = rt.copiesToHost();
            double d1 = first.item(), d2 = second.item(); // the only reads: after the step
            long reads = rt.copiesToHost() - beforeRead;
            System.out.printf("training step on %s: %d copies to the host, %d to the device; after it %d reads "
                    + "(loss values and the step's deferred bounds checks); loss %.6f -> %.6f (cpu %.6f -> %.6f)%n", CUDA,
                    stepToHost, stepToDevice, reads, d1, d2, c1, c2);
            assertEquals(0, stepToHost, "device-to-host copies inside a training step");
            assertEquals(0, stepToDevice, "host-to-device copies inside a training step");
            assertEquals(3, reads, "two loss values and one read of all the step's deferred checks");
            assertEquals(c1, d1, 2e-5, "loss of the first step, cpu vs " + CUDA);
            assertEquals(c2, d2, 2e-5, "loss of the second step, cpu vs " + CUDA);
            assertTrue(d2 < d1, "the second step's loss " + d2 + " is not below the first " + d1);
        } finally {
            backend.deferChecks(false);
        }
        Map<String, Parameter> pc = cpu.namedParameters(), pd = dev.namedParameters();
        double worst = 0;
        for (var e : pc.entrySet()) {
            double[] x = e.getValue().tensor().toDoubleArray(), y = pd.get(e.getKey()).tensor().toDoubleArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        System.out.printf("parameters after two Adam steps, cpu vs %s: max difference %.3e%n", CUDA, worst);
        assertTrue(worst < 1e-5, "parameters differ by " + worst);
    }

    /**
     * LSH attention dropout on the device drops the weights the CPU drops (the same generator counters, replayed
     * by the reversible recompute): two training steps give the CPU's losses and parameters. The multipliers
     * are drawn on the host and copied over (one float per score), so this step is not copy-free.
     */
    @Test
    void lshDropoutOnTheDeviceDropsTheCpuWeights() {
        java.util.function.Supplier<ReformerLM> make = () -> ReformerLM.builder().numTokens(40).dim(16).depth(2).heads(2)
                .dimHead(8).bucketSize(4).nHashes(2).maxSeqLen(32).causal(true).ffChunks(1).lshDropout(0.3).seed(11).build();
        ReformerLM cpu = make.get(), dev = make.get().to(CUDA);
        var wc = new TrainingWrapper(cpu, 0, 0);
        var wd = new TrainingWrapper(dev, 0, 0);
        var oc = new Adam(cpu.parameters(), 1e-2);
        var od = new Adam(dev.parameters(), 1e-2);
        Tensor[] b = batch();
        Tensor xi = b[0].to(CUDA), xo = b[1].to(CUDA);
        for (int k = 0; k < 2; k++) {
            double c = step(wc, oc, b[0], b[1]).item(), d = step(wd, od, xi, xo).item();
            assertEquals(c, d, 2e-5, "loss of step " + k + " with lshDropout 0.3, cpu vs " + CUDA);
        }
        // without the same dropout mask the losses would differ by far more: the mask changes them at 1e-2
        ReformerLM other = ReformerLM.builder().numTokens(40).dim(16).depth(2).heads(2).dimHead(8).bucketSize(4).nHashes(2)
                .maxSeqLen(32).causal(true).ffChunks(1).lshDropout(0).seed(11).build();
        double undropped = new TrainingWrapper(other, 0, 0).forward(b[0], b[1], null).loss().item();
        double dropped = new TrainingWrapper(make.get(), 0, 0).forward(b[0], b[1], null).loss().item();
        assertTrue(Math.abs(undropped - dropped) > 1e-4, "dropout did not change the loss: " + undropped + " vs " + dropped);
        Map<String, Parameter> pc = cpu.namedParameters(), pd = dev.namedParameters();
        double worst = 0;
        for (var e : pc.entrySet()) {
            double[] x = e.getValue().tensor().toDoubleArray(), y = pd.get(e.getKey()).tensor().toDoubleArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        System.out.printf("lshDropout 0.3: parameters after two Adam steps, cpu vs %s: max difference %.3e%n", CUDA, worst);
        // 9.1e-6 measured: the CPU scales the kept weights by 1/(1-p) in float64, the kernels by its float32
        // rounding, and Adam's first steps (lr 1e-2) turn such last-bit gradient differences into ~1e-5 moves
        assertTrue(worst < 2e-5, "parameters differ by " + worst);
    }

    /** Sampling reads each step's logits back (that is its output); the tokens equal the CPU's, with and without the decode cache. */
    @Test
    void generationOnTheDeviceEqualsTheCpu() {
        for (boolean cache : new boolean[] {false, true}) {
            Sampling sampling = Sampling.topK(0.9).temperature(1.0).useCache(cache);
            ReformerLM cpu = small(), dev = small().to(CUDA);
            long[] want = new TrainingWrapper(cpu, 0, 0).generate(new long[] {1, 2, 3}, 5, sampling);
            long[] got = new TrainingWrapper(dev, 0, 0).generate(new long[] {1, 2, 3}, 5, sampling);
            assertArrayEquals(want, got, "tokens generated on " + CUDA + (cache ? " with" : " without") + " the decode cache");
        }
    }

    /** A causal full-attention model (the decode cache applies to it). */
    private static ReformerLM small() {
        return ReformerLM.builder().numTokens(30).dim(16).depth(1).heads(2).dimHead(8).bucketSize(4).nHashes(1).maxSeqLen(16)
                .causal(true).fullAttnThres(16).seed(3).build();
    }

    @Test
    void moduleToMovesParametersBuffersAndOptimizerState() {
        ReformerLM model = model();
        Parameter p0 = model.parameters().get(0);
        var opt = new Adam(model.parameters(), 1e-3);
        var w = new TrainingWrapper(model, 0, 0);
        Tensor[] b = batch();
        step(w, opt, b[0], b[1]); // state made on the host
        assertEquals(Device.CPU, model.device());
        model.to(CUDA);
        assertEquals(CUDA, model.device());
        assertAllOnModelDevice(model);
        assertEquals(p0, model.parameters().get(0), "parameters keep their identity");
        step(w, opt, b[0], b[1]); // the host state follows the parameters to the device
        Map<String, Tensor> state = opt.stateDict(); // checkpoints read device state back as host arrays
        Tensor m = state.get("param.0.exp_avg");
        assertEquals(Device.CPU, m.device());
        assertArrayEquals(new int[] {p0.numel()}, m.shape());
        assertNotEquals(0.0, m.abs().sum().item());
        model.to(Device.CPU);
        assertAllOnModelDevice(model);
        step(w, opt, b[0], b[1]); // and back
        assertEquals(3L, opt.parameterSteps(p0));
        assertEquals(DType.F32, p0.tensor().dtype());
    }

    /** Every parameter and buffer is on the model's device. */
    private static void assertAllOnModelDevice(ReformerLM model) {
        Device d = model.device();
        for (var e : model.namedParameters().entrySet()) assertEquals(d, e.getValue().tensor().device(), e.getKey());
        for (var e : model.namedBuffers().entrySet()) assertEquals(d, e.getValue().device(), e.getKey());
    }
}
