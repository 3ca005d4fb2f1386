package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects, for one forward pass, what each attention layer did (reformer-pytorch's {@code Recorder},
 * recorder.py): the buckets [B*lshHeads][H*L] of every LSH layer in call order and, when asked for with
 * {@link #withAttention()} (off by default, no cost then), each layer's attention weights [B, lshHeads, T, L]
 * (T queries; L keys: tokens, memory slots, encoder keys). As in reformer-pytorch only the LSH heads' weights
 * are kept (the last heads - nLocalAttnHeads; local heads hand back none); a full-attention layer gives its
 * softmax matrix, an LSH layer the round-weighted sum of its chunk-window probabilities; dropout is not
 * applied. On a device the weights are computed on the host from copies of each layer's qk and v (a debugging
 * aid: slow, as on the CPU it is a second pass). Pass one to {@code ReformerLM.forward}.
 */
public final class Recorder {
    /** One layer's call: its index and buckets (offsets included, as reformer-pytorch returns them). */
    public record Entry(int layer, int[][] buckets) {}

    /** One layer's attention weights [B][lshHeads][T][L]. */
    public record AttentionEntry(int layer, float[][][][] weights) {}

    private final List<Entry> entries = new ArrayList<>();
    private final List<AttentionEntry> attention = new ArrayList<>();
    private boolean recordAttention;

    /** Also records every attention layer's weights (reformer-pytorch's {@code _return_attn}); returns this. */
    public Recorder withAttention() {
        recordAttention = true;
        return this;
    }

    /** Whether attention weights are recorded. */
    public boolean attentionOn() {
        return recordAttention;
    }

    public void record(int layer, int[][] buckets) {
        entries.add(new Entry(layer, buckets));
    }

    /** Keeps one layer's attention weights [B][lshHeads][T][L]; refused unless {@link #withAttention()} was asked for. */
    public void recordAttention(int layer, float[][][][] weights) {
        if (!recordAttention) throw new IllegalStateException("Recorder: attention weights of layer " + layer + " given, but withAttention() is off");
        attention.add(new AttentionEntry(layer, weights));
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The attention entries in call (layer) order; empty unless {@link #withAttention()}. */
    public List<AttentionEntry> attentionEntries() {
        return List.copyOf(attention);
    }

    /** The buckets of the first call of layer {@code layer}, or null. */
    public int[][] buckets(int layer) {
        for (Entry e : entries) if (e.layer() == layer) return e.buckets();
        return null;
    }

    /** The attention weights [B][lshHeads][T][L] of the first call of layer {@code layer}, or null. */
    public float[][][][] attention(int layer) {
        for (AttentionEntry e : attention) if (e.layer() == layer) return e.weights();
        return null;
    }
}
