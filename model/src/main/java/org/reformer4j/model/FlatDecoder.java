package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.UnaryOp;
import org.reformer4j.core.cpu.FlatF32;
import org.reformer4j.core.nn.Identity;
import org.reformer4j.core.nn.LayerNorm;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.nn.Sequential;

/**
 * One decoding position of a CPU float32 {@link ReformerLM} on flat arrays: the arithmetic of
 * {@link ReformerLM#step} (token + positional embedding, {@code to_model_dim}, [x, x], per layer
 * y1 = x1 + attn(LN(x2)), y2 = x2 + ff(LN(y1)), the halves averaged, final LN, {@code out}) without one tensor
 * op, allocation and dispatch per step; HuggingFace's Reformer decodes one position the same way. Attention is
 * {@link LSHSelfAttention#step}'s: the new unit-normalised key and value written into a preallocated
 * [B*h, numMemKv + C + maxSeqLen, dimHead] cache (memory slots, then a decoder's C encoder keys, projected at the
 * first step, then the tokens), one score row with the self position and masked keys masked, softmax, the
 * weighted values. Covers PreNorm(LayerNorm) layers with feed-forward (any activation, GLU) and plain Linear
 * outputs; {@link #of} returns null for anything else (ReZero, ScaleNorm, PKM, a tied or no output), which
 * then runs {@link ReformerLM#step}'s tensor ops. Weights are read when the decoder is made (one per cache).
 */
final class FlatDecoder {
    /** Multiply-adds per chunk of a product shared with the helper thread ({@link DecodeTeam}); at most 16 chunks. */
    static final int CHUNK_MACS = 1 << 13;

    /** A Linear y = W x + b: W [n, k] row-major, b [n] or null. */
    private record Lin(int n, int k, float[] w, float[] b) {
        /** On this thread. */
        void run(float[] x, int px, float[] y, int py) {
            FlatF32.linear(n, k, w, 0, b, 0, x, px, y, py);
        }

        /** Chunks of rows (multiples of four) shared with the helper when the product is big enough. */
        void apply(float[] x, int px, float[] y, int py) {
            int chunks = (int) Math.min(16, Math.min(n / 4, (long) n * k / CHUNK_MACS));
            if (chunks < 2) {
                run(x, px, y, py);
                return;
            }
            int per = (Math.ceilDiv(n, chunks) + 3) & ~3;
            DecodeTeam.run(chunks, c -> {
                int j0 = c * per, j1 = Math.min(n, j0 + per);
                if (j0 < j1) FlatF32.linear(j1 - j0, k, w, j0 * k, b, j0, x, px, y, py + j0);
            });
        }
    }

    private record Norm(float[] w, float[] b, double eps) {
        void apply(float[] x, float[] y, int n) {
            FlatF32.layerNorm(x, 0, n, w, b, eps, y, 0);
        }
    }

    private record Layer(Norm fNorm, Lin toqk, Lin tov, Lin toOut, float[] memKv, Norm gNorm, Lin w1, Lin w2) {}

    private final int dim, embDim, heads, dimHead, memSlots, keySlots, capacity, vocab, hidden;
    private final boolean oneValueHead, glu;
    private final String activation;
    private final float scale;
    private final float[] emb, pos; // [V, embDim]; [maxSeqLen, embDim] or null
    private final Lin toModelDim, outFirst, outLast; // first two may be null
    private final Layer[] layers;
    private final Norm norm;
    // one batch row's scratch
    private final float[] e, x1, x2, t, qk, v, att, o, h, g, z;
    private final float[][] scores; // per head: heads run on two threads

    private FlatDecoder(ReformerLM lm, int keys, Layer[] layers, Lin toModelDim, float[] pos, Norm norm, Lin outFirst, Lin outLast) {
        ReformerConfig cfg = lm.config();
        dim = cfg.dim;
        embDim = cfg.embDim;
        heads = cfg.heads;
        dimHead = cfg.dimHead;
        memSlots = cfg.numMemKv;
        keySlots = keys;
        capacity = cfg.numMemKv + keys + cfg.maxSeqLen;
        vocab = cfg.numTokens;
        oneValueHead = cfg.oneValueHead;
        glu = cfg.ffGlu;
        activation = cfg.ffActivation;
        hidden = cfg.dim * cfg.ffMult;
        scale = (float) Math.pow(dimHead, -0.5);
        this.emb = data(lm.tokenEmbedding().weight());
        this.pos = pos;
        this.toModelDim = toModelDim;
        this.layers = layers;
        this.norm = norm;
        this.outFirst = outFirst;
        this.outLast = outLast;
        int wide = heads * dimHead;
        e = new float[embDim];
        x1 = new float[dim];
        x2 = new float[dim];
        t = new float[Math.max(dim, embDim)];
        qk = new float[wide];
        v = new float[wide];
        att = new float[wide];
        o = new float[dim];
        h = new float[hidden * (glu ? 2 : 1)];
        g = new float[hidden];
        z = new float[embDim];
        scores = new float[heads][capacity];
    }

    /** The flat decoder of {@code lm}, or null when some part of it has no flat form here (see the class comment). */
    static FlatDecoder of(ReformerLM lm) {
        return of(lm, 0);
    }

    /** {@link #of(ReformerLM)} for a decoder attending to {@code keys} encoder keys per batch row (slots after the memory slots). */
    static FlatDecoder of(ReformerLM lm, int keys) {
        ReformerConfig cfg = lm.config();
        if (!lm.device().isCpu() || cfg.dtype != DType.F32 || cfg.useRezero || cfg.useScaleNorm || cfg.returnEmbeddings
                || cfg.weightTieEmbedding || cfg.nLocalAttnHeads > 0) {
            return null;
        }
        ReversibleSequence seq = lm.trunk().layers();
        Layer[] layers = new Layer[cfg.depth];
        for (int d = 0; d < cfg.depth; d++) {
            if (!(seq.f(d) instanceof Residual.PreNorm f && f.norm() instanceof LayerNorm fn && f.fn() instanceof LSHSelfAttention a
                    && seq.g(d) instanceof Residual.PreNorm gg && gg.norm() instanceof LayerNorm gn && gg.fn() instanceof Chunk c)) {
                return null;
            }
            Norm fNorm = norm(fn), gNorm = norm(gn);
            Lin toqk = lin(a.toqk()), tov = lin(a.tov()), toOut = lin(a.toOut()), w1 = lin(c.fn().w1()), w2 = lin(c.fn().w2());
            float[] mem = a.memKv() == null ? null : data(a.memKv());
            if (fNorm == null || gNorm == null || toqk == null || tov == null || toOut == null || w1 == null || w2 == null
                    || (a.memKv() != null && mem == null)) {
                return null;
            }
            layers[d] = new Layer(fNorm, toqk, tov, toOut, mem, gNorm, w1, w2);
        }
        Lin toModelDim = null;
        if (lm.toModelDim() instanceof Linear l) {
            if ((toModelDim = lin(l)) == null) return null;
        } else if (!(lm.toModelDim() instanceof Identity)) {
            return null;
        }
        if (!(lm.output() instanceof Sequential out && out.size() == 2 && out.get(1) instanceof Linear last)) return null;
        Lin outFirst = null, outLast = lin(last);
        if (out.get(0) instanceof Linear first) {
            if ((outFirst = lin(first)) == null) return null;
        } else if (!(out.get(0) instanceof Identity)) {
            return null;
        }
        Norm norm = norm(lm.finalNorm());
        if (outLast == null || norm == null || data(lm.tokenEmbedding().weight()) == null) return null;
        float[] pos = null;
        if (lm.positional() instanceof PositionalEmbeddings.Positional p) {
            try (var ng = GradMode.noGrad()) {
                pos = Scope.detached(() -> p.embed(cfg.maxSeqLen).contiguous()).toFloatArray();
            }
        }
        return new FlatDecoder(lm, keys, layers, toModelDim, pos, norm, outFirst, outLast);
    }

    private static Lin lin(Linear l) {
        float[] w = data(l.weight()), b = l.bias() == null ? null : data(l.bias());
        if (w == null || (l.bias() != null && b == null)) return null;
        return new Lin(l.outFeatures(), l.inFeatures(), w, b);
    }

    private static Norm norm(LayerNorm n) {
        float[] w = n.weight() == null ? null : data(n.weight()), b = n.bias() == null ? null : data(n.bias());
        if ((n.weight() != null && w == null) || (n.bias() != null && b == null)) return null;
        return new Norm(w, b, n.eps());
    }

    /** A parameter's float32 CPU array when it is the whole contiguous storage from index 0, else null. */
    private static float[] data(Parameter p) {
        Tensor w = p.tensor();
        if (!w.device().isCpu() || w.dtype() != DType.F32 || !w.isContiguous() || w.offset() != 0) return null;
        return w.storage().data() instanceof float[] a && a.length >= w.numel() ? a : null;
    }

    /** Keys and values of one batch row per layer: [h, capacity, dimHead] each. */
    float[][] newCache(int batch) {
        int n = batch * heads * capacity * dimHead;
        float[][] kv = new float[2 * layers.length][];
        for (int i = 0; i < kv.length; i++) kv[i] = new float[n];
        return kv;
    }

    /**
     * Logits of the next position of batch row {@code row} into {@code logits[0 .. V)}, given its token id, the
     * position p (memory slots not counted) and the cache {@link #newCache} made, which it extends; a decoder with
     * encoder keys also takes them, [B*C*dim] (read at p = 0), and the row's keep-mask [C] (null: all kept).
     */
    void step(int row, long id, int p, float[][] cache, float[] logits, float[] keys, boolean[] keep) {
        if (keySlots > 0 && keys == null) throw new IllegalStateException("FlatDecoder: made for " + keySlots + " encoder keys, given none");
        System.arraycopy(emb, Math.toIntExact(id) * embDim, e, 0, embDim);
        if (pos != null) for (int i = 0; i < embDim; i++) e[i] += pos[p * embDim + i];
        if (toModelDim != null) toModelDim.apply(e, 0, x1, 0);
        else System.arraycopy(e, 0, x1, 0, dim);
        System.arraycopy(x1, 0, x2, 0, dim);
        for (int d = 0; d < layers.length; d++) {
            Layer l = layers[d];
            l.fNorm.apply(x2, t, dim);
            attend(l, t, row, p, cache[2 * d], cache[2 * d + 1], keys, keep);
            for (int i = 0; i < dim; i++) x1[i] += o[i];
            l.gNorm.apply(x1, t, dim);
            feedForward(l, t);
            for (int i = 0; i < dim; i++) x2[i] += o[i];
        }
        for (int i = 0; i < dim; i++) x1[i] = (x1[i] + x2[i]) / 2;
        norm.apply(x1, t, dim);
        if (outFirst != null) {
            outFirst.apply(t, 0, z, 0);
            outLast.apply(z, 0, logits, 0);
        } else {
            outLast.apply(t, 0, logits, 0);
        }
    }

    /**
     * o = to_out(attention of the newest position over the cache), writing its key and value (and at p = 0 those of the
     * memory slots and then of the row's encoder keys, from enc [B*C*dim]).
     */
    private void attend(Layer l, float[] x, int row, int p, float[] keys, float[] values, float[] enc, boolean[] keep) {
        int dh = dimHead, base = row * heads * capacity;
        if (p == 0) {
            for (int j = 0; j < memSlots; j++) {
                l.toqk.apply(l.memKv, j * dim, qk, 0);
                l.tov.apply(l.memKv, j * dim, v, 0);
                store(base, j, keys, values);
            }
            for (int j = 0; j < keySlots; j++) {
                int at = (row * keySlots + j) * dim;
                l.toqk.apply(enc, at, qk, 0);
                l.tov.apply(enc, at, v, 0);
                store(base, memSlots + j, keys, values);
            }
        }
        l.toqk.apply(x, 0, qk, 0);
        l.tov.apply(x, 0, v, 0);
        int n = memSlots + keySlots + p + 1;
        store(base, n - 1, keys, values);
        if ((long) heads * n * dh * 2 >= 2 * CHUNK_MACS) DecodeTeam.run(heads, hd -> head(hd, n, base, keys, values, keep));
        else for (int hd = 0; hd < heads; hd++) head(hd, n, base, keys, values, keep);
        l.toOut.apply(att, 0, o, 0);
    }

    /**
     * att[head] = softmax(q . unit(k_j) * dh^-0.5, self position masked, encoder keys the row's mask drops at float32's
     * most negative value) . v_j over the n cached positions.
     */
    private void head(int hd, int n, int base, float[] keys, float[] values, boolean[] keep) {
        int dh = dimHead, kb = (base + hd * capacity) * dh;
        float[] s = scores[hd];
        FlatF32.linear(n, dh, keys, kb, null, 0, qk, hd * dh, s, 0);
        for (int j = 0; j < n; j++) s[j] *= scale;
        if (keep != null) for (int j = 0; j < keySlots; j++) if (!keep[j]) s[memSlots + j] = -Float.MAX_VALUE;
        s[n - 1] = (float) org.reformer4j.model.attention.LshAttentionCore.SELF_VALUE;
        FlatF32.softmax(s, 0, n);
        java.util.Arrays.fill(att, hd * dh, hd * dh + dh, 0f);
        for (int j = 0; j < n; j++) FlatF32.axpy(s[j], values, kb + j * dh, att, hd * dh, dh);
    }

    /** Writes unit(qk) per head and v (one value head: the same for every head) at cache position j. */
    private void store(int base, int j, float[] keys, float[] values) {
        int dh = dimHead;
        for (int hd = 0; hd < heads; hd++) {
            int at = ((base + hd * capacity) + j) * dh, q = hd * dh;
            float nrm = (float) Math.sqrt(FlatF32.dot(qk, q, qk, q, dh));
            float div = Math.max(nrm, 1e-12f);
            for (int i = 0; i < dh; i++) keys[at + i] = qk[q + i] / div;
            System.arraycopy(v, oneValueHead ? 0 : q, values, at, dh);
        }
    }

    /** o = w2(act(w1 x)) (GLU: w2(act(a) * gate) with a, gate the halves of w1 x); no dropout in eval mode. */
    private void feedForward(Layer l, float[] x) {
        l.w1.apply(x, 0, h, 0);
        int n = glu ? hidden : h.length;
        switch (activation) {
            case "relu" -> FlatF32.unary(UnaryOp.RELU, h, 0, h, 0, n);
            case "gelu_tanh" -> FlatF32.unary(UnaryOp.GELU_TANH, h, 0, h, 0, n);
            case "silu" -> {
                FlatF32.unary(UnaryOp.SIGMOID, h, 0, g, 0, n);
                for (int i = 0; i < n; i++) h[i] *= g[i];
            }
            default -> FlatF32.unary(UnaryOp.GELU, h, 0, h, 0, n);
        }
        if (glu) for (int i = 0; i < hidden; i++) h[i] *= h[hidden + i];
        l.w2.apply(h, 0, o, 0);
    }

    int vocab() {
        return vocab;
    }
}
