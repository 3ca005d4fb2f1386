package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects, for one forward pass, what each LSH layer did (reformer-pytorch's {@code Recorder}): the
 * buckets [B*lshHeads][H*L] of every layer in call order. Pass one to {@code ReformerLM.forward}.
 */
public final class Recorder {
    /** One layer's call: its index and buckets (offsets included, as reformer-pytorch returns them). */
    public record Entry(int layer, int[][] buckets) {}

    private final List<Entry> entries = new ArrayList<>();

    public void record(int layer, int[][] buckets) {
        entries.add(new Entry(layer, buckets));
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The buckets of the first call of layer {@code layer}, or null. */
    public int[][] buckets(int layer) {
        for (Entry e : entries) if (e.layer() == layer) return e.buckets();
        return null;
    }
}
