package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;
import org.reformer4j.model.attention.LshDropout;
import org.reformer4j.model.attention.RotaryTable;

/**
 * What one forward pass of {@link Reformer} hands to every layer: the input keep-mask [B][T] (true = keep;
 * null when there is none), the rotary table, where rotations come from, training mode, the number of hash
 * rounds, an optional {@link Recorder}, and per layer a {@link Replay} that records the random draws and
 * LSH buckets of the first run of the layer so that the reversible backward's recomputation repeats them
 * exactly (reformer-pytorch's bucket cache, R:71-89, and the RNG state restore of REV:16-37).
 * An encoder-decoder pass also carries the {@code keys} [B, C, dim] every attention layer appends to its
 * key/value sequence and their keep-mask {@code contextMask} [B][C] (reformer-pytorch routes {@code keys}
 * and {@code context_mask} to the attention branches only); both null otherwise.
 * A {@link ReformerLM#prefill} pass also carries a {@link Prefill}: each attention layer hands the decode cache
 * the projections of the prompt's real positions (see {@link LSHSelfAttention}).
 */
public final class ForwardState {
    public final boolean[][] inputMask;
    public final RotaryTable rotary;
    public final RotationSource rotations;
    public final Generator generator;
    public final boolean training;
    public final int nHashes;
    public final Recorder recorder;
    /** Keep-mask [B][C] of the keys (true = keep), or null (all kept). */
    public final boolean[][] contextMask;
    private Tensor keys;
    /** What the device path reads instead of the host arrays above (null on the CPU). */
    public final OnDevice onDevice;
    private final Replay[] replays;
    private Prefill prefill;

    /** The decode cache a prefill pass fills and the number of real (unpadded) prompt positions it keeps. */
    record Prefill(DecodeCache cache, int length) {}

    /**
     * The inputs of a pass on an accelerator, already there: the keep-mask [B, T] (bool; null when there is
     * none), the rotary table sin, cos [T, dh/2] (float32; null without rotary positions) and the encoder keys'
     * keep-mask [B, C] (bool; null when there is none).
     */
    public record OnDevice(Tensor mask, Tensor sin, Tensor cos, Tensor context) {}

    public ForwardState(int depth, boolean[][] inputMask, RotaryTable rotary, RotationSource rotations, Generator generator,
                        boolean training, int nHashes, Recorder recorder) {
        this(depth, inputMask, rotary, rotations, generator, training, nHashes, recorder, null);
    }

    public ForwardState(int depth, boolean[][] inputMask, RotaryTable rotary, RotationSource rotations, Generator generator,
                        boolean training, int nHashes, Recorder recorder, OnDevice onDevice) {
        this(depth, inputMask, rotary, rotations, generator, training, nHashes, recorder, onDevice, null, null);
    }

    /** A pass whose attention layers also attend to {@code keys} [B, C, dim] kept where {@code contextMask} [B][C] is true. */
    public ForwardState(int depth, boolean[][] inputMask, RotaryTable rotary, RotationSource rotations, Generator generator,
                        boolean training, int nHashes, Recorder recorder, OnDevice onDevice, Tensor keys, boolean[][] contextMask) {
        if (contextMask != null && keys == null) throw new IllegalArgumentException("ForwardState: a context mask needs keys");
        this.keys = keys;
        this.contextMask = contextMask;
        this.onDevice = onDevice;
        this.inputMask = inputMask;
        this.rotary = rotary;
        this.rotations = rotations;
        this.generator = generator;
        this.training = training;
        this.nHashes = nHashes;
        this.recorder = recorder;
        this.replays = new Replay[2 * depth];
        for (int i = 0; i < replays.length; i++) replays[i] = new Replay();
    }

    /** The keys [B, C, dim] the attention layers append to their key/value sequence, or null. */
    public Tensor keys() {
        return keys;
    }

    /**
     * Swaps the keys for a tensor of the same values (the reversible stack reads a leaf of its own so that its
     * hand-written backward can collect the keys' gradient layer by layer).
     */
    void useKeys(Tensor k) {
        keys = k;
    }

    /** Makes this pass a prefill of {@code cache} with the first {@code length} positions of each row. */
    void capture(DecodeCache cache, int length) {
        prefill = new Prefill(cache, length);
    }

    /** The prefill this pass fills, or null (an ordinary pass). */
    Prefill prefill() {
        return prefill;
    }

    /** The replay of branch {@code branch} (0 = f, attention; 1 = g, feed-forward) of layer {@code layer}. */
    public Replay replay(int layer, int branch) {
        return replays[2 * layer + branch];
    }

    /** Random draws and buckets of one layer: recorded on the first run, repeated while replaying. */
    public static final class Replay {
        private final List<Long> counters = new ArrayList<>();
        private final List<int[][]> buckets = new ArrayList<>();
        private final List<Tensor> deviceBuckets = new ArrayList<>();
        private int deviceCursor;
        private int counterCursor, bucketCursor;
        private boolean replaying;

        /** Starts repeating the recorded draws from the beginning (the recomputation in backward). */
        public void startReplay() {
            replaying = true;
            counterCursor = 0;
            bucketCursor = 0;
            deviceCursor = 0;
        }

        public boolean replaying() {
            return replaying;
        }

        /** The first Philox block of a draw of {@code blocks} blocks. */
        public long draw(Generator g, long blocks) {
            if (replaying) return counters.get(counterCursor++);
            long c = g.take(blocks);
            counters.add(c);
            return c;
        }

        /** The buckets recorded by the first run (null when not replaying). */
        public int[][] recordedBuckets() {
            return replaying ? buckets.get(bucketCursor++) : null;
        }

        public void recordBuckets(int[][] b) {
            if (!replaying) buckets.add(b);
        }

        /** The device-side buckets [N, H*L] (int32) of the first run (null when not replaying). */
        public Tensor recordedDeviceBuckets() {
            return replaying ? deviceBuckets.get(deviceCursor++) : null;
        }

        /** Keeps buckets that stay on the device (the first run only). */
        public void recordDeviceBuckets(Tensor b) {
            if (!replaying) deviceBuckets.add(b);
        }
    }

    /** Dropout of rate p drawing its mask through the layer's replay. */
    public Tensor dropout(Tensor x, double p, Replay replay) {
        if (!training || p == 0) return x;
        long n = x.numel();
        long c = replay.draw(generator, Generator.blocksFor(n, x.dtype()));
        return Functional.dropout(x, p, generator.seed(), generator.stream(), c);
    }

    /**
     * The dropout of {@code n} attention scores of the given dtype with rate p, drawn through the layer's replay (the
     * recomputation in backward draws the same) as the attention needs them; null when inactive.
     */
    public LshDropout lshDropout(long n, double p, DType dtype, Replay replay) {
        if (!training || p == 0) return null;
        long c = replay.draw(generator, Generator.blocksFor(n, dtype));
        return LshDropout.drawn(generator.seed(), generator.stream(), c, p, dtype);
    }
}
