/*
 * Picks the next token from logits, as reformer-pytorch's generate does (generative_tools.py): the logits
 * are filtered - top_k with filter_thres (keep the int((1 - thres) * V) largest, at least one), or a given
 * top-k, then top-p (nucleus: the smallest set of most likely tokens whose probability reaches p, as
 * HuggingFace's TopPLogitsWarper) - divided by the temperature, soft-maxed and sampled. Temperature 0
 * means greedy. Draw i uses the float64 uniform i of Philox (seed, SAMPLE_STREAM), so a seed repeats a text.
 */
package org.reformer4j.cli.generate;

import java.util.Arrays;
import org.reformer4j.cli.UserError;
import org.reformer4j.cli.data.Shuffle;
import org.reformer4j.core.random.Generator;

public final class Sampler {
    private final double filterThres, topP, temperature;
    private final int topK;
    private final long seed;
    private long draws;

    /** {@code topK} > 0 overrides {@code filterThres}; {@code topP} in (0, 1] (1: off); temperature >= 0. */
    public Sampler(double filterThres, int topK, double topP, double temperature, long seed) {
        if (!(filterThres >= 0 && filterThres < 1)) throw new UserError("--filter-thres must be in [0, 1), got " + filterThres);
        if (topK < 0) throw new UserError("--top-k must be >= 0 (0: use --filter-thres), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new UserError("--top-p must be in (0, 1], got " + topP);
        if (!(temperature >= 0) || !Double.isFinite(temperature)) throw new UserError("--temperature must be >= 0, got " + temperature);
        this.filterThres = filterThres;
        this.topK = topK;
        this.topP = topP;
        this.temperature = temperature;
        this.seed = seed;
    }

    /** How many tokens the top-k filter keeps out of {@code v}. */
    public int keep(int v) {
        int k = topK > 0 ? topK : (int) ((1 - filterThres) * v);
        return Math.max(1, Math.min(v, k));
    }

    /** The next token id. */
    public int sample(float[] logits) {
        int v = logits.length;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a])); // stable: ties by lower id
        if (temperature == 0) {
            draws++;
            return order[0];
        }
        int k = keep(v);
        double max = logits[order[0]];
        double[] p = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < k; i++) p[i] /= sum;
        int n = k;
        if (topP < 1) {
            double cum = 0;
            for (int i = 0; i < k; i++) {
                cum += p[i];
                if (cum >= topP) {
                    n = i + 1;
                    break;
                }
            }
            double s2 = 0;
            for (int i = 0; i < n; i++) s2 += p[i];
            for (int i = 0; i < n; i++) p[i] /= s2;
        }
        double[] u = new double[1];
        Generator.fillUniform(seed, Shuffle.SAMPLE_STREAM, 0, draws++, u, 0, 1);
        double c = 0;
        for (int i = 0; i < n; i++) {
            c += p[i];
            if (u[0] < c) return order[i];
        }
        return order[n - 1];
    }
}
