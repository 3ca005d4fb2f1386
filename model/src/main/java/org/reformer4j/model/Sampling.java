package org.reformer4j.model;

/**
 * How {@link TrainingWrapper#generate} picks each token (reformer-pytorch {@code top_k}, GEN:20-25, plus
 * top-p): keep the top {@code k = int((1 - filterThres) * V)} logits (at least 1), then the smallest set
 * of those whose probability reaches {@code topP} (1 = off), divide by {@code temperature}, softmax, draw.
 * Generation stops early once every row has emitted {@code eos} (negative = none); a finished row keeps
 * emitting eos. {@code seed} keys the draws; {@code useCache} asks for incremental decoding where the model
 * allows it (the result is the same, see {@link DecodeCache}).
 */
public record Sampling(double filterThres, double topP, double temperature, long eos, long seed, boolean useCache) {
    public Sampling {
        if (!(filterThres >= 0 && filterThres < 1)) throw new IllegalArgumentException("Sampling: filterThres must be in [0, 1), got " + filterThres);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("Sampling: topP must be in (0, 1], got " + topP);
        if (!(temperature > 0)) throw new IllegalArgumentException("Sampling: temperature must be > 0, got " + temperature);
    }

    /** Top-k by threshold, temperature 1, no eos, cache on. */
    public static Sampling topK(double filterThres) {
        return new Sampling(filterThres, 1.0, 1.0, -1, 0, true);
    }

    public Sampling temperature(double t) {
        return new Sampling(filterThres, topP, t, eos, seed, useCache);
    }

    public Sampling topP(double p) {
        return new Sampling(filterThres, p, temperature, eos, seed, useCache);
    }

    public Sampling eos(long id) {
        return new Sampling(filterThres, topP, temperature, id, seed, useCache);
    }

    public Sampling seed(long s) {
        return new Sampling(filterThres, topP, temperature, eos, s, useCache);
    }

    public Sampling useCache(boolean on) {
        return new Sampling(filterThres, topP, temperature, eos, seed, on);
    }

    /** Draws one token from a row of logits with uniform number u in [0, 1). */
    int draw(double[] logits, double u) {
        int v = logits.length, k = Math.max(1, (int) ((1 - filterThres) * v));
        // the k largest (top_k: the rest would be -inf): the k-th largest value by selection, the indices above
        // it and then those equal to it in index order, and only those k sorted by value, largest first (stable)
        double cut = TopK.select(logits.clone(), v - k);
        int[] order = new int[k];
        int n = 0;
        for (int i = 0; i < v && n < k; i++) if (logits[i] > cut) order[n++] = i;
        for (int i = 0; i < v && n < k; i++) if (logits[i] == cut) order[n++] = i;
        TopK.sortDescending(order, logits);
        double[] kept = new double[k];
        for (int i = 0; i < k; i++) kept[i] = logits[order[i]];
        return pick(order, kept, u);
    }

    /**
     * {@link #draw(double[], double)} of float32 logits (the flat decoder's), the same token for the same
     * numbers: the k largest by the histogram of {@link TopK#largest}.
     */
    int draw(float[] logits, double u) {
        int v = logits.length, k = Math.max(1, (int) ((1 - filterThres) * v));
        int[] order = TopK.largest(logits, k);
        if (order == null) { // NaN or an infinity among the logits: the float64 path
            double[] wide = new double[v];
            for (int i = 0; i < v; i++) wide[i] = logits[i];
            return draw(wide, u);
        }
        double[] kept = new double[k];
        for (int i = 0; i < k; i++) kept[i] = logits[order[i]];
        return pick(order, kept, u);
    }

    /** The draw among the kept tokens {@code order} (largest logit first) with logits {@code kept}: top-p, temperature, softmax. */
    private int pick(int[] order, double[] kept, double u) {
        int k = order.length;
        double mx = kept[0] / temperature;
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp(kept[i] / temperature - mx);
            sum += p[i];
        }
        int keep = k;
        if (topP < 1) {
            double acc = 0;
            for (int i = 0; i < k; i++) {
                acc += p[i] / sum;
                if (acc >= topP) {
                    keep = i + 1;
                    break;
                }
            }
            sum = 0;
            for (int i = 0; i < keep; i++) sum += p[i];
        }
        double target = u * sum, acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[i];
            if (target < acc) return order[i];
        }
        return order[keep - 1];
    }
}
