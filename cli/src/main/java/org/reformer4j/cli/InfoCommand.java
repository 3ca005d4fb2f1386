/*
 * `reformer4j info [CHECKPOINT]`: the Java runtime, the processor and its SIMD features, whether the
 * Vector API is on (and its preferred float vector width), the compute device that would be used, and
 * for a run or checkpoint folder the model's configuration, parameter count and size on disk.
 */
package org.reformer4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.reformer4j.cli.train.Checkpoints;
import org.reformer4j.cli.train.JsonFiles;
import org.reformer4j.core.Backends;
import org.reformer4j.core.Device;
import org.reformer4j.core.cpu.VectorSupport;
import org.reformer4j.core.io.SafeTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Print the runtime, CPU features, device, and a checkpoint's model size.")
final class InfoCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(arity = "0..1", paramLabel = "CHECKPOINT", description = "a run folder or checkpoint folder")
    Path checkpoint;

    InfoCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        var out = io.out();
        Runtime rt = Runtime.getRuntime();
        out.printf(Locale.ROOT, "java        %s (%s), max heap %.1f GiB, %d processors%n", System.getProperty("java.version"),
                System.getProperty("java.vendor"), rt.maxMemory() / (double) (1L << 30), rt.availableProcessors());
        CpuInfo cpu = CpuInfo.read();
        out.printf(Locale.ROOT, "cpu         %s, %d logical processors%n", cpu.model(), cpu.logical());
        out.printf(Locale.ROOT, "cpu simd    %s%n", cpu.simd().isEmpty() ? "(none reported)" : String.join(" ", cpu.simd()));
        out.printf(Locale.ROOT, "vector api  %s%n", VectorSupport.ENABLED ? "on (" + Lanes.describe() + ")"
                : "off (start the JVM with --add-modules=jdk.incubator.vector for the SIMD kernels)");
        String cuda;
        try {
            Backends.of(new Device("cuda", 0));
            cuda = "available (the model computes on the CPU in this version)";
        } catch (RuntimeException e) {
            cuda = "not available: " + Main.oneLine(e.getMessage());
        }
        out.printf(Locale.ROOT, "device      auto -> %s; cuda %s%n", Device.best(), cuda);
        if (checkpoint != null) describe(CheckpointRef.resolve(checkpoint));
        return 0;
    }

    private void describe(CheckpointRef ref) throws IOException {
        var out = io.out();
        Path weights = ref.dir().resolve(Checkpoints.MODEL);
        long params = 0, tensors = 0;
        try (SafeTensors st = SafeTensors.open(weights)) {
            for (String n : st.names()) {
                params += st.entry(n).numel();
                tensors++;
            }
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot read " + weights + ": " + Main.oneLine(e.getMessage()), e);
        }
        Map<String, Object> m = ref.modelConfig();
        out.printf(Locale.ROOT, "checkpoint  %s%n", ref.dir());
        out.printf(Locale.ROOT, "model       ReformerLM numTokens %s, dim %s, depth %s, heads %s, dimHead %s, maxSeqLen %s, bucketSize %s, nHashes %s, causal %s%n",
                m.get("numTokens"), m.get("dim"), m.get("depth"), m.get("heads"), m.get("dimHead"), m.get("maxSeqLen"), m.get("bucketSize"),
                m.get("nHashes"), m.get("causal"));
        long distinct = org.reformer4j.cli.train.ModelHandle.create(m, 0).module().numParameters();
        out.printf(Locale.ROOT, "size        %,d parameters (%s as float32); %s holds %d tensors, %,d values (a shared tensor is listed under each "
                + "of its names, as in reformer-pytorch's state_dict), %s on disk%n", distinct, bytes(4 * distinct), weights.getFileName(), tensors, params,
                bytes(Files.size(weights)));
        Path trainer = ref.dir().resolve(Checkpoints.TRAINER);
        if (Files.isRegularFile(trainer)) {
            Map<String, Object> st = JsonFiles.read(trainer);
            out.printf(Locale.ROOT, "trained     %s steps, %s tokens, validation loss %s%n", st.get("step"), st.get("tokens"),
                    st.get("lastValidationLoss") instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-");
        }
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        if (n < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
    }

    /** Loaded only when the Vector API is present. */
    private static final class Lanes {
        static String describe() {
            var s = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
            return s.vectorBitSize() + "-bit float vectors, " + s.length() + " lanes";
        }
    }
}
