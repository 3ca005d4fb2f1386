package org.reformer4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;

/**
 * {@link ReformerEncDec}: the builder's mapping of reformer-pytorch's enc_/dec_ options (forced flags, the
 * decoder's bucket size), the loss's gradient against float64 finite differences for encoder and decoder
 * parameters (the encoder's reaching it only through the decoder's keys; LSH and reversible layers on both
 * sides), the source mask hiding source tokens from the decoder, and a copy task learnt on the CPU with full
 * and with LSH attention in the decoder (loss well below the unigram entropy ln 9; greedy decoding copies).
 */
class ReformerEncDecTest {
    private static ReformerEncDec tiny() {
        ReformerEncDec m = ReformerEncDec.builder(8)
                .encoder(b -> b.numTokens(7).depth(1).heads(2).dimHead(4).bucketSize(4).nHashes(2).maxSeqLen(16).dtype(DType.F64))
                .decoder(b -> b.numTokens(7).depth(2).heads(2).dimHead(4).bucketSize(4).nHashes(2).maxSeqLen(16).dtype(DType.F64))
                .build();
        m.encoder().setRotationSource(KeysAttentionTest.fixedRotations());
        m.decoder().setRotationSource(KeysAttentionTest.fixedRotations());
        return m;
    }

    @Test
    void builderMapsTheOptionsAsReformerPytorch() {
        ReformerEncDec m = ReformerEncDec.builder(16).encoder(b -> b.numTokens(5).depth(1).maxSeqLen(8).bucketSize(8))
                .decoder(b -> b.numTokens(6).depth(2).maxSeqLen(8)).build();
        ReformerConfig e = m.encoder().config(), d = m.decoder().config();
        assertTrue(e.returnEmbeddings && !e.causal && d.causal && !d.returnEmbeddings);
        assertEquals(16, e.dim);
        assertEquals(16, d.dim);
        assertEquals(8, e.bucketSize);
        assertEquals(16, d.bucketSize, "decoder bucket size defaults to twice the encoder's");
        assertEquals(64, ReformerEncDec.builder(16).encoder(b -> b.numTokens(5).depth(1).maxSeqLen(8)).decoder(b -> b.numTokens(5)
                .depth(1).maxSeqLen(8)).build().encoder().config().bucketSize);
        assertTrue(m.namedParameters().containsKey("enc.net.net.token_emb.weight"));
        assertTrue(m.namedParameters().containsKey("dec.net.net.out.1.weight"));
        var ex = assertThrows(IllegalArgumentException.class,
                () -> ReformerEncDec.builder(16).encoder(b -> b.numTokens(5).depth(1).maxSeqLen(8).dim(8)).build());
        assertTrue(ex.getMessage().contains("dim 8"), ex.getMessage());
        // the same from reformer-pytorch's keyword arguments
        Map<String, Object> kw = new java.util.LinkedHashMap<>(Map.of("dim", 16, "enc_num_tokens", 5, "enc_depth", 1, "enc_max_seq_len", 8,
                "enc_bucket_size", 8, "dec_num_tokens", 6, "dec_depth", 2, "dec_max_seq_len", 8, "ignore_index", 0));
        ReformerEncDec p = ReformerEncDec.fromPythonKwargs(kw);
        assertEquals(e.toMap(), p.encoder().config().toMap());
        assertEquals(d.toMap(), p.decoder().config().toMap());
        assertEquals(0, p.decoderWrapper().ignoreIndex());
        kw.put("dec_dim", 8);
        ex = assertThrows(IllegalArgumentException.class, () -> ReformerEncDec.fromPythonKwargs(kw));
        assertTrue(ex.getMessage().contains("dec_dim"), ex.getMessage());
        kw.remove("dec_dim");
        kw.put("depth", 3);
        ex = assertThrows(IllegalArgumentException.class, () -> ReformerEncDec.fromPythonKwargs(kw));
        assertTrue(ex.getMessage().contains("'depth'"), ex.getMessage());
    }

    private static final Tensor SRC = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 1, 2, 6, 5, 4, 3, 2, 1, 6, 5}, 2, 8);
    private static final Tensor TGT = Tensor.of(new long[] {0, 3, 1, 4, 1, 5, 2, 6, 5, 0, 2, 0, 1, 1, 2, 1, 1, 1}, 2, 9);
    private static final Tensor SRC_MASK = Tensor.of(new boolean[] {true, true, true, true, true, true, true, true, true, true, true,
            true, true, true, false, false}, 2, 8);

    /** Central differences of the loss over {@code count} entries of a parameter against its autograd gradient. */
    private static void checkParameter(ReformerEncDec m, String name, int count) {
        Parameter p = m.namedParameters().get(name);
        assertTrue(p != null, "no parameter " + name);
        m.zeroGrad();
        m.loss(SRC, TGT, SRC_MASK).backward();
        assertTrue(p.grad() != null, name + ": no gradient reached this parameter");
        double[] analytic = p.grad().toDoubleArray(), base = p.tensor().toDoubleArray();
        double eps = 1e-6, worst = 0;
        int step = Math.max(1, base.length / count);
        for (int e = 0; e < base.length; e += step) {
            double[] v = base.clone();
            double[] f = new double[2];
            for (int s = 0; s < 2; s++) {
                v[e] = base[e] + (s == 0 ? eps : -eps);
                p.copyFrom(Tensor.of(v, p.shape()));
                try (var ng = GradMode.noGrad()) {
                    f[s] = m.loss(SRC, TGT, SRC_MASK).item();
                }
            }
            p.copyFrom(Tensor.of(base, p.shape()));
            double numeric = (f[0] - f[1]) / (2 * eps);
            assertEquals(numeric, analytic[e], 1e-6 * Math.max(1, Math.abs(numeric)), name + " element " + e);
            worst = Math.max(worst, Math.abs(analytic[e]));
        }
        assertTrue(worst > 1e-6, name + ": the checked gradient entries are all ~0 (" + worst + "), the check says nothing");
    }

    @Test
    void lossGradientMatchesFiniteDifferences() {
        ReformerEncDec m = tiny();
        for (String name : new String[] {"enc.net.net.token_emb.weight", "enc.net.net.reformer.layers.blocks.0.f.net.fn.toqk.weight",
                "enc.net.net.norm.weight", "dec.net.net.reformer.layers.blocks.1.f.net.fn.toqk.weight",
                "dec.net.net.reformer.layers.blocks.0.f.net.fn.tov.weight", "dec.net.net.token_emb.weight"}) {
            checkParameter(m, name, 12);
        }
    }

    @Test
    void maskedSourceTokensDoNotReachTheDecoder() {
        ReformerEncDec m = ReformerEncDec.builder(16)
                .encoder(b -> b.numTokens(9).depth(1).heads(2).dimHead(8).maxSeqLen(8).fullAttnThres(64).absolutePositionEmb(true))
                .decoder(b -> b.numTokens(9).depth(1).heads(2).dimHead(8).maxSeqLen(8).fullAttnThres(64).absolutePositionEmb(true))
                .build();
        Tensor other = Tensor.of(new long[] {1, 2, 3, 4, 5, 6, 1, 2, 6, 5, 4, 3, 2, 1, 8, 8}, 2, 8); // differs where masked
        Tensor tgt = Tensor.of(new long[] {0, 1, 2, 3, 0, 3, 2, 1}, 2, 4);
        try (var ng = GradMode.noGrad()) {
            double[] a = m.forward(SRC, tgt, SRC_MASK, null).toDoubleArray();
            double[] b = m.forward(other, tgt, SRC_MASK, null).toDoubleArray();
            double[] open = m.forward(other, tgt, null, null).toDoubleArray();
            double[] base = m.forward(SRC, tgt, null, null).toDoubleArray();
            double moved = 0;
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 0.0, "element " + i);
                moved = Math.max(moved, Math.abs(open[i] - base[i]));
            }
            assertTrue(moved > 1e-4, "unmasked, other source tokens must change the logits (moved " + moved + ")");
        }
    }

    /**
     * Trains on copying a random source (targets: start token 0, then the source) until the loss's running mean
     * drops below {@code stopAt} or {@code maxSteps} pass; returns the model and that mean.
     */
    private static Object[] trainCopy(Consumer<ReformerConfig.Builder<ReformerConfig>> decoder, int v, int s, double stopAt, int maxSteps) {
        int batch = 16;
        ReformerEncDec m = ReformerEncDec.builder(32)
                .encoder(b -> b.numTokens(v).depth(1).heads(2).dimHead(16).maxSeqLen(s).fullAttnThres(64).absolutePositionEmb(true).seed(3))
                .decoder(decoder).build();
        Adam opt = new Adam(m.parameters(), 3e-3);
        java.util.Random r = new java.util.Random(1);
        double avg = Double.NaN;
        for (int step = 0; step < maxSteps && !(step > 50 && avg < stopAt); step++) {
            long[] src = new long[batch * s], tgt = new long[batch * (s + 1)];
            for (int i = 0; i < batch; i++) {
                tgt[i * (s + 1)] = 0; // start token; sources use 1..v-1
                for (int j = 0; j < s; j++) tgt[i * (s + 1) + 1 + j] = src[i * s + j] = 1 + r.nextInt(v - 1);
            }
            opt.zeroGrad();
            double last;
            try (var sc = Scope.open()) {
                Tensor loss = m.loss(Tensor.of(src, batch, s), Tensor.of(tgt, batch, s + 1), null);
                loss.backward();
                opt.step();
                last = loss.item();
            }
            avg = Double.isNaN(avg) ? last : 0.9 * avg + 0.1 * last;
        }
        return new Object[] {m, avg};
    }

    @Test
    void learnsToCopyTheSource() {
        int v = 10, s = 6;
        double unigram = Math.log(v - 1);
        Object[] full = trainCopy(b -> b.numTokens(v).depth(1).heads(2).dimHead(16).maxSeqLen(s + 1).fullAttnThres(64)
                .absolutePositionEmb(true), v, s, 0.1, 300);
        assertTrue((double) full[1] < 0.25 * unigram, "copy-task loss " + full[1] + " is not well below the unigram entropy " + unigram);
        long[] src = {3, 1, 4, 1, 5, 9};
        long[] out = ((ReformerEncDec) full[0]).generate(src, new long[] {0}, s, Sampling.topK(0.9).useCache(false));
        assertArrayEquals(src, out, "greedy decoding copies the source");
        // the same through LSH attention in the decoder: 7 - 1 targets + 6 keys padded to 16 positions, 2 hash rounds
        Object[] lsh = trainCopy(b -> b.numTokens(v).depth(1).heads(2).dimHead(16).maxSeqLen(16).bucketSize(4).nHashes(2)
                .absolutePositionEmb(true), v, s, 0.3, 300);
        assertTrue((double) lsh[1] < 0.25 * unigram, "LSH copy-task loss " + lsh[1] + " is not well below the unigram entropy " + unigram);
    }

    @Test
    void badInputIsRefused() {
        ReformerEncDec m = tiny();
        var e = assertThrows(IllegalArgumentException.class, () -> m.loss(SRC, Tensor.of(new long[] {1, 2}, 2, 1), null));
        assertTrue(e.getMessage().contains("[2, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(SRC, TGT, Tensor.of(new boolean[] {true, false}, 1, 2), null));
        assertTrue(e.getMessage().contains("[1, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.generate(SRC, null, new long[][] {{0}}, 3, Sampling.topK(0.9)));
        assertTrue(e.getMessage().contains("B = 1"), e.getMessage());
        Map<String, Parameter> ps = m.namedParameters();
        assertTrue(ps.size() > 10);
    }
}
