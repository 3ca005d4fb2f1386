package org.reformer4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.DType;

/**
 * Every constructor option of reformer-pytorch's {@code ReformerLM} / {@code Reformer} with the same
 * defaults (R:667-669, R:717), plus the LSH options ReformerLM does not forward
 * ({@code lshAttendAcrossBuckets}, {@code lshAllowDuplicateAttention}), the dtype and the seed of the
 * model's random streams. Built with {@link #builder()}; {@link #toMap()} / {@link #fromMap} give the JSON
 * form stored beside a checkpoint, {@link #fromPythonKwargs} reads reformer-pytorch's keyword names.
 * Options reformer-pytorch silently drops are honoured here: {@code postAttnDropout} (ReformerLM passes 0).
 */
public final class ReformerConfig {
    public final int numTokens, dim, depth, maxSeqLen, heads, dimHead, bucketSize, nHashes, ffChunks, attnChunks, ffMult;
    public final boolean causal, weightTie, ffGlu, randomRotationsPerHead, useScaleNorm, useRezero, useFullAttn;
    public final double lshDropout, ffDropout, postAttnDropout, layerDropout;
    public final String ffActivation; // "gelu", "relu", "gelu_tanh", "silu"
    public final int fullAttnThres, reverseThres, numMemKv, embDim, nLocalAttnHeads, pkmNumKeys;
    public final boolean oneValueHead, returnEmbeddings, weightTieEmbedding, fixedPositionEmb, absolutePositionEmb, axialPositionEmb;
    public final int[] axialPositionShape, pkmLayers;
    public final boolean lshAttendAcrossBuckets, lshAllowDuplicateAttention;
    public final DType dtype;
    public final long seed;

    private ReformerConfig(Builder<?> b) {
        numTokens = b.numTokens;
        dim = b.dim;
        depth = b.depth;
        maxSeqLen = b.maxSeqLen;
        heads = b.heads;
        dimHead = b.dimHead;
        bucketSize = b.bucketSize;
        nHashes = b.nHashes;
        ffChunks = b.ffChunks;
        attnChunks = b.attnChunks;
        ffMult = b.ffMult;
        causal = b.causal;
        weightTie = b.weightTie;
        ffGlu = b.ffGlu;
        randomRotationsPerHead = b.randomRotationsPerHead;
        useScaleNorm = b.useScaleNorm;
        useRezero = b.useRezero;
        useFullAttn = b.useFullAttn;
        lshDropout = b.lshDropout;
        ffDropout = b.ffDropout;
        postAttnDropout = b.postAttnDropout;
        layerDropout = b.layerDropout;
        ffActivation = b.ffActivation;
        fullAttnThres = b.fullAttnThres;
        reverseThres = b.reverseThres;
        numMemKv = b.numMemKv;
        embDim = b.embDim > 0 ? b.embDim : b.dim;
        nLocalAttnHeads = b.nLocalAttnHeads;
        pkmNumKeys = b.pkmNumKeys;
        oneValueHead = b.oneValueHead;
        returnEmbeddings = b.returnEmbeddings;
        weightTieEmbedding = b.weightTieEmbedding;
        fixedPositionEmb = b.fixedPositionEmb;
        absolutePositionEmb = b.absolutePositionEmb;
        axialPositionEmb = b.axialPositionEmb;
        axialPositionShape = b.axialPositionShape != null ? b.axialPositionShape.clone()
                : new int[] {Math.ceilDiv(b.maxSeqLen, b.bucketSize), b.bucketSize};
        pkmLayers = b.pkmLayers.clone();
        lshAttendAcrossBuckets = b.lshAttendAcrossBuckets;
        lshAllowDuplicateAttention = b.lshAllowDuplicateAttention;
        dtype = b.dtype;
        seed = b.seed;
        validate();
    }

    private void validate() {
        positive("numTokens", numTokens);
        positive("dim", dim);
        positive("depth", depth);
        positive("maxSeqLen", maxSeqLen);
        positive("heads", heads);
        positive("dimHead", dimHead);
        positive("bucketSize", bucketSize);
        positive("nHashes", nHashes);
        positive("ffMult", ffMult);
        positive("ffChunks", ffChunks);
        positive("attnChunks", attnChunks);
        if (nLocalAttnHeads < 0 || nLocalAttnHeads >= heads) {
            throw new IllegalArgumentException("ReformerConfig: nLocalAttnHeads " + nLocalAttnHeads + " must be in [0, heads = " + heads + ")");
        }
        if (numMemKv < 0) throw new IllegalArgumentException("ReformerConfig: numMemKv " + numMemKv + " must be >= 0");
        if (dimHead % 2 != 0 && !(fixedPositionEmb || absolutePositionEmb || axialPositionEmb)) {
            throw new IllegalArgumentException("ReformerConfig: the rotary layer positions need an even dimHead, got " + dimHead);
        }
        for (double p : new double[] {lshDropout, ffDropout, postAttnDropout, layerDropout}) {
            if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("ReformerConfig: dropout rates must be in [0, 1), got " + p);
        }
        for (int l : pkmLayers) {
            if (l < 1 || l > depth) throw new IllegalArgumentException("ReformerConfig: pkmLayers are 1-based layer numbers in [1, " + depth + "], got " + l);
        }
        if (pkmLayers.length > 0 && pkmNumKeys < 32) {
            throw new IllegalArgumentException("ReformerConfig: pkmNumKeys " + pkmNumKeys + " must be >= the PKM top-k 32");
        }
        if (!List.of("gelu", "relu", "gelu_tanh", "silu").contains(ffActivation)) {
            throw new IllegalArgumentException("ReformerConfig: ffActivation '" + ffActivation + "' is not one of gelu, relu, gelu_tanh, silu");
        }
        if (dtype != DType.F32 && dtype != DType.F64) throw new IllegalArgumentException("ReformerConfig: dtype must be F32 or F64, got " + dtype);
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException("ReformerConfig: " + name + " must be >= 1, got " + v);
    }

    public boolean usesRotary() {
        return !(axialPositionEmb || absolutePositionEmb || fixedPositionEmb);
    }

    public boolean isPkmLayer(int layer) {
        for (int l : pkmLayers) if (l == layer + 1) return true;
        return false;
    }

    public static Builder<ReformerConfig> builder() {
        return new Builder<>(c -> c);
    }

    /** A builder holding this configuration's values. */
    public Builder<ReformerConfig> toBuilder() {
        return fromMap(toMap());
    }

    /** The options by their Java names (JSON-friendly: numbers, booleans, strings, lists). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("numTokens", numTokens);
        m.put("dim", dim);
        m.put("depth", depth);
        m.put("maxSeqLen", maxSeqLen);
        m.put("heads", heads);
        m.put("dimHead", dimHead);
        m.put("bucketSize", bucketSize);
        m.put("nHashes", nHashes);
        m.put("ffChunks", ffChunks);
        m.put("attnChunks", attnChunks);
        m.put("causal", causal);
        m.put("weightTie", weightTie);
        m.put("lshDropout", lshDropout);
        m.put("ffDropout", ffDropout);
        m.put("ffActivation", ffActivation);
        m.put("ffMult", ffMult);
        m.put("ffGlu", ffGlu);
        m.put("postAttnDropout", postAttnDropout);
        m.put("layerDropout", layerDropout);
        m.put("randomRotationsPerHead", randomRotationsPerHead);
        m.put("useScaleNorm", useScaleNorm);
        m.put("useRezero", useRezero);
        m.put("useFullAttn", useFullAttn);
        m.put("fullAttnThres", fullAttnThres);
        m.put("reverseThres", reverseThres);
        m.put("numMemKv", numMemKv);
        m.put("oneValueHead", oneValueHead);
        m.put("embDim", embDim);
        m.put("returnEmbeddings", returnEmbeddings);
        m.put("weightTieEmbedding", weightTieEmbedding);
        m.put("fixedPositionEmb", fixedPositionEmb);
        m.put("absolutePositionEmb", absolutePositionEmb);
        m.put("axialPositionEmb", axialPositionEmb);
        m.put("axialPositionShape", List.of(axialPositionShape[0], axialPositionShape[1]));
        m.put("nLocalAttnHeads", nLocalAttnHeads);
        List<Object> pk = new ArrayList<>();
        for (int l : pkmLayers) pk.add(l);
        m.put("pkmLayers", pk);
        m.put("pkmNumKeys", pkmNumKeys);
        m.put("lshAttendAcrossBuckets", lshAttendAcrossBuckets);
        m.put("lshAllowDuplicateAttention", lshAllowDuplicateAttention);
        m.put("dtype", dtype.name());
        m.put("seed", seed);
        return m;
    }

    /** A builder from {@link #toMap()}'s form; unknown keys are an error. */
    public static Builder<ReformerConfig> fromMap(Map<String, Object> m) {
        Builder<ReformerConfig> b = builder();
        for (Map.Entry<String, Object> e : m.entrySet()) b.set(e.getKey(), e.getValue());
        return b;
    }

    /**
     * A builder from reformer-pytorch keyword arguments ({@code num_tokens}, {@code dim_head}, ...;
     * {@code ff_activation} as a class name such as {@code "torch.nn.ReLU"}).
     */
    public static Builder<ReformerConfig> fromPythonKwargs(Map<String, Object> kwargs) {
        Builder<ReformerConfig> b = builder();
        applyPythonKwargs(b, kwargs);
        return b;
    }

    /** Sets reformer-pytorch keyword arguments on an existing builder (see {@link #fromPythonKwargs}). */
    static void applyPythonKwargs(Builder<?> b, Map<String, Object> kwargs) {
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (v == null) continue;
            if (k.equals("ff_activation")) {
                String cls = v.toString();
                b.ffActivation(switch (cls) {
                    case "torch.nn.ReLU", "nn.ReLU", "ReLU" -> "relu";
                    case "torch.nn.GELU", "nn.GELU", "GELU" -> "gelu";
                    case "torch.nn.SiLU", "nn.SiLU", "SiLU" -> "silu";
                    default -> throw new IllegalArgumentException("ReformerConfig: unsupported ff_activation " + cls);
                });
                continue;
            }
            if (k.equals("axial_position_shape") || k.equals("pkm_layers")) {
                b.set(camel(k), v);
                continue;
            }
            b.set(camel(k), v);
        }
    }

    private static String camel(String snake) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char ch : snake.toCharArray()) {
            if (ch == '_') up = true;
            else {
                sb.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return sb.toString();
    }

    /** Builder with reformer-pytorch's ReformerLM defaults; {@link #build()} makes an R from the configuration. */
    public static final class Builder<R> {
        private final java.util.function.Function<ReformerConfig, R> finish;
        private int numTokens, dim, depth, maxSeqLen, heads = 8, dimHead = 64, bucketSize = 64, nHashes = 4, ffChunks = 100,
                attnChunks = 1, ffMult = 4, fullAttnThres = 0, reverseThres = 0, numMemKv = 0, embDim = 0,
                nLocalAttnHeads = 0, pkmNumKeys = 128;
        private boolean causal, weightTie, ffGlu, randomRotationsPerHead, useScaleNorm, useRezero, useFullAttn, oneValueHead,
                returnEmbeddings, weightTieEmbedding, fixedPositionEmb, absolutePositionEmb, axialPositionEmb;
        private boolean lshAttendAcrossBuckets = true, lshAllowDuplicateAttention = true;
        private double lshDropout, ffDropout, postAttnDropout, layerDropout;
        private String ffActivation = "gelu";
        private int[] axialPositionShape, pkmLayers = new int[0];
        private DType dtype = DType.F32;
        private long seed = 42;

        public Builder(java.util.function.Function<ReformerConfig, R> finish) {
            this.finish = finish;
        }

        public Builder<R> numTokens(int v) { numTokens = v; return this; }
        public Builder<R> dim(int v) { dim = v; return this; }
        public Builder<R> depth(int v) { depth = v; return this; }
        public Builder<R> maxSeqLen(int v) { maxSeqLen = v; return this; }
        public Builder<R> heads(int v) { heads = v; return this; }
        public Builder<R> dimHead(int v) { dimHead = v; return this; }
        public Builder<R> bucketSize(int v) { bucketSize = v; return this; }
        public Builder<R> nHashes(int v) { nHashes = v; return this; }
        public Builder<R> ffChunks(int v) { ffChunks = v; return this; }
        /** Accepted for compatibility; attention runs over all rows at once (chunks only bound memory there). */
        public Builder<R> attnChunks(int v) { attnChunks = v; return this; }
        public Builder<R> causal(boolean v) { causal = v; return this; }
        public Builder<R> weightTie(boolean v) { weightTie = v; return this; }
        public Builder<R> lshDropout(double v) { lshDropout = v; return this; }
        public Builder<R> ffDropout(double v) { ffDropout = v; return this; }
        /** "gelu" (erf form, default), "relu", "gelu_tanh" or "silu". */
        public Builder<R> ffActivation(String v) { ffActivation = v; return this; }
        public Builder<R> ffMult(int v) { ffMult = v; return this; }
        public Builder<R> ffGlu(boolean v) { ffGlu = v; return this; }
        public Builder<R> postAttnDropout(double v) { postAttnDropout = v; return this; }
        public Builder<R> layerDropout(double v) { layerDropout = v; return this; }
        public Builder<R> randomRotationsPerHead(boolean v) { randomRotationsPerHead = v; return this; }
        public Builder<R> useScaleNorm(boolean v) { useScaleNorm = v; return this; }
        public Builder<R> useRezero(boolean v) { useRezero = v; return this; }
        public Builder<R> useFullAttn(boolean v) { useFullAttn = v; return this; }
        public Builder<R> fullAttnThres(int v) { fullAttnThres = v; return this; }
        public Builder<R> reverseThres(int v) { reverseThres = v; return this; }
        public Builder<R> numMemKv(int v) { numMemKv = v; return this; }
        public Builder<R> oneValueHead(boolean v) { oneValueHead = v; return this; }
        /** Embedding width; 0 (default) means {@code dim}. */
        public Builder<R> embDim(int v) { embDim = v; return this; }
        public Builder<R> returnEmbeddings(boolean v) { returnEmbeddings = v; return this; }
        public Builder<R> weightTieEmbedding(boolean v) { weightTieEmbedding = v; return this; }
        public Builder<R> fixedPositionEmb(boolean v) { fixedPositionEmb = v; return this; }
        public Builder<R> absolutePositionEmb(boolean v) { absolutePositionEmb = v; return this; }
        public Builder<R> axialPositionEmb(boolean v) { axialPositionEmb = v; return this; }
        public Builder<R> axialPositionShape(int s0, int s1) { axialPositionShape = new int[] {s0, s1}; return this; }
        public Builder<R> nLocalAttnHeads(int v) { nLocalAttnHeads = v; return this; }
        /** 1-based layer numbers whose feed-forward is a product-key memory. */
        public Builder<R> pkmLayers(int... v) { pkmLayers = v.clone(); return this; }
        public Builder<R> pkmNumKeys(int v) { pkmNumKeys = v; return this; }
        public Builder<R> lshAttendAcrossBuckets(boolean v) { lshAttendAcrossBuckets = v; return this; }
        public Builder<R> lshAllowDuplicateAttention(boolean v) { lshAllowDuplicateAttention = v; return this; }
        /** F32 (default) or F64 (gradient checks, comparisons with float64 references). */
        public Builder<R> dtype(DType v) { dtype = v; return this; }
        /** Seed of the parameter initialisation and of the rotation and dropout streams. */
        public Builder<R> seed(long v) { seed = v; return this; }

        public R build() {
            return finish.apply(new ReformerConfig(this));
        }

        /** The configuration alone. */
        public ReformerConfig config() {
            return new ReformerConfig(this);
        }

        Builder<R> set(String key, Object v) {
            switch (key) {
                case "numTokens" -> numTokens = i(key, v);
                case "dim" -> dim = i(key, v);
                case "depth" -> depth = i(key, v);
                case "maxSeqLen" -> maxSeqLen = i(key, v);
                case "heads" -> heads = i(key, v);
                case "dimHead" -> dimHead = i(key, v);
                case "bucketSize" -> bucketSize = i(key, v);
                case "nHashes" -> nHashes = i(key, v);
                case "ffChunks" -> ffChunks = i(key, v);
                case "attnChunks" -> attnChunks = i(key, v);
                case "ffMult" -> ffMult = i(key, v);
                case "fullAttnThres" -> fullAttnThres = i(key, v);
                case "reverseThres" -> reverseThres = i(key, v);
                case "numMemKv" -> numMemKv = i(key, v);
                case "embDim" -> embDim = i(key, v);
                case "nLocalAttnHeads" -> nLocalAttnHeads = i(key, v);
                case "pkmNumKeys" -> pkmNumKeys = i(key, v);
                case "causal" -> causal = (Boolean) v;
                case "weightTie" -> weightTie = (Boolean) v;
                case "ffGlu" -> ffGlu = (Boolean) v;
                case "randomRotationsPerHead" -> randomRotationsPerHead = (Boolean) v;
                case "useScaleNorm" -> useScaleNorm = (Boolean) v;
                case "useRezero" -> useRezero = (Boolean) v;
                case "useFullAttn" -> useFullAttn = (Boolean) v;
                case "oneValueHead" -> oneValueHead = (Boolean) v;
                case "returnEmbeddings" -> returnEmbeddings = (Boolean) v;
                case "weightTieEmbedding" -> weightTieEmbedding = (Boolean) v;
                case "fixedPositionEmb" -> fixedPositionEmb = (Boolean) v;
                case "absolutePositionEmb" -> absolutePositionEmb = (Boolean) v;
                case "axialPositionEmb" -> axialPositionEmb = (Boolean) v;
                case "lshAttendAcrossBuckets" -> lshAttendAcrossBuckets = (Boolean) v;
                case "lshAllowDuplicateAttention" -> lshAllowDuplicateAttention = (Boolean) v;
                case "lshDropout" -> lshDropout = ((Number) v).doubleValue();
                case "ffDropout" -> ffDropout = ((Number) v).doubleValue();
                case "postAttnDropout" -> postAttnDropout = ((Number) v).doubleValue();
                case "layerDropout" -> layerDropout = ((Number) v).doubleValue();
                case "ffActivation" -> ffActivation = (String) v;
                case "axialPositionShape" -> axialPositionShape = ints(key, v);
                case "pkmLayers" -> pkmLayers = ints(key, v);
                case "dtype" -> dtype = DType.valueOf((String) v);
                case "seed" -> seed = ((Number) v).longValue();
                case "twinAttention" -> {
                    if ((Boolean) v) throw new IllegalArgumentException("ReformerConfig: twinAttention is not supported");
                }
                default -> throw new IllegalArgumentException("ReformerConfig: unknown option '" + key + "'");
            }
            return this;
        }

        private static int i(String key, Object v) {
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException("ReformerConfig: option '" + key + "' must be an integer, got " + v);
            }
            return n.intValue();
        }

        private static int[] ints(String key, Object v) {
            if (v instanceof int[] a) return a.clone();
            if (!(v instanceof List<?> l)) throw new IllegalArgumentException("ReformerConfig: option '" + key + "' must be a list, got " + v);
            int[] a = new int[l.size()];
            for (int j = 0; j < a.length; j++) a[j] = i(key, l.get(j));
            return a;
        }
    }
}
