package org.reformer4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.reformer4j.core.DType;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;

/**
 * Encoder-decoder Reformer (reformer-pytorch {@code ReformerEncDec}, reformer_enc_dec.py): the encoder, a
 * {@link ReformerLM} with returnEmbeddings behind an {@link Autopadder}, gives the keys that every attention
 * layer of the causal decoder ({@link TrainingWrapper}) appends to its key/value sequence; the source mask is the
 * decoder's context mask. {@code enc_x} / {@code dec_x} = {@code encoder(b -> b.x(..))} / {@code decoder(..)} or
 * {@link #fromPythonKwargs}; bucket sizes default to 64 / twice the encoder's; decoder seed = encoder's + 1.
 * Names as torch's state_dict ({@code enc.net.net.*}, {@code dec.net.net.*}). Runs on the CPU and, moved with
 * {@code to(device)}, on an accelerator.
 * Shapes: src [B, S], tgt [B, T] (ids), keys [B, S, dim], logits [B, T, numTokens].
 */
public final class ReformerEncDec extends Module {
    private final ReformerLM encoder, decoder;
    private final Autopadder enc;
    private final TrainingWrapper dec;

    private ReformerEncDec(ReformerLM encoder, ReformerLM decoder, long ignoreIndex, long padValue) {
        this.encoder = encoder;
        this.decoder = decoder;
        enc = new Autopadder(encoder);
        dec = new TrainingWrapper(decoder, ignoreIndex, padValue);
        registerModule("enc", new Named(new Named(encoder)));
        registerModule("dec", new Named(new Named(decoder)));
    }

    /** A wrapper level of torch's module tree ({@code TrainingWrapper.net}, {@code Autopadder.net}). */
    private static final class Named extends Module {
        Named(Module m) {
            registerModule("net", m);
        }
    }

    /** Moves both halves' parameters and buffers to {@code device}; returns this. */
    @Override
    public ReformerEncDec to(org.reformer4j.core.Device device) {
        super.to(device);
        return this;
    }

    public ReformerLM encoder() {
        return encoder;
    }

    public ReformerLM decoder() {
        return decoder;
    }

    /** The decoder's training wrapper (loss, sampling). */
    public TrainingWrapper decoderWrapper() {
        return dec;
    }

    /** The encoder's output [B, S, dim] for source ids [B, S] (mask [B, S] bool, true = keep, or null). */
    public Tensor encode(Tensor src, Tensor srcMask) {
        return enc.forward(src, srcMask, null);
    }

    /**
     * Decoder logits [B, T, numTokens] for source ids [B, S] and target ids [B, T]; {@code srcMask} [B, S] masks
     * the encoder's input and the decoder's keys, {@code tgtMask} [B, T] the decoder's input (either may be null).
     */
    public Tensor forward(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask) {
        Tensor keys = encode(src, srcMask);
        return dec.autopadder().forward(tgt, tgtMask, keys, srcMask, null);
    }

    /**
     * reformer-pytorch's {@code return_loss = True}: next-token cross entropy of the decoder on
     * {@code tgt[:, :-1]} predicting {@code tgt[:, 1:]} (targets equal to ignoreIndex skipped), given the source.
     */
    public Tensor loss(Tensor src, Tensor tgt, Tensor srcMask) {
        if (tgt.rank() != 2 || tgt.size(1) < 2) {
            throw new IllegalArgumentException("ReformerEncDec.loss: targets must be [B, T >= 2], got " + Shape.str(tgt.shape()));
        }
        int t = tgt.size(1);
        Tensor keys = encode(src, srcMask);
        return dec.forward(tgt.narrow(1, 0, t - 1).contiguous(), tgt.narrow(1, 1, t - 1).contiguous(), keys, srcMask, null).loss();
    }

    /** {@link #generate(Tensor, Tensor, long[][], int, Sampling)} for one source and prompt. */
    public long[] generate(long[] src, long[] start, int length, Sampling sampling) {
        return generate(Tensor.of(src, 1, src.length), null, new long[][] {start}, length, sampling)[0];
    }

    /**
     * Continues each decoder prompt by up to {@code length} tokens given the source ids [B, S] (mask or null):
     * the encoder runs once, then the decoder samples as {@link TrainingWrapper#generate(long[][], int, Sampling,
     * Tensor, Tensor)} does with the encoder's output as keys and the source mask as context mask: with
     * {@link Sampling#useCache()} (the default) on a decode cache bound to them, each decoder layer projecting the keys
     * once and each token costing one position per layer (the uncached tokens for a full-attention decoder,
     * maxSeqLen + numMemKv + S <= fullAttnThres; an LSH decoder follows {@link DecodeCache}'s rules), without it
     * re-running the window every step. Runs in eval mode without gradients; returns only the new tokens.
     */
    public long[][] generate(Tensor src, Tensor srcMask, long[][] start, int length, Sampling sampling) {
        if (src.rank() != 2 || src.size(0) != start.length) {
            throw new IllegalArgumentException("ReformerEncDec.generate: source must be [B = " + start.length + " prompts, S], got "
                    + Shape.str(src.shape()));
        }
        boolean wasTraining = encoder.isTraining();
        encoder.eval();
        Tensor keys;
        try (var ng = GradMode.noGrad()) {
            keys = encode(src, srcMask);
        } finally {
            encoder.train(wasTraining);
        }
        return dec.generate(start, length, sampling, keys, srcMask);
    }

    /**
     * A model from reformer-pytorch's keyword arguments: {@code dim}, optional {@code ignore_index} and
     * {@code pad_value}, and {@code enc_<option>} / {@code dec_<option>} for ReformerLM's options of each half
     * ({@code enc_dim} / {@code dec_dim} are refused, as reformer-pytorch asserts). Any other key is refused.
     */
    public static ReformerEncDec fromPythonKwargs(Map<String, Object> kwargs) {
        Map<String, Object> enc = new LinkedHashMap<>(), dec = new LinkedHashMap<>();
        Object dim = kwargs.get("dim");
        if (!(dim instanceof Number)) throw new IllegalArgumentException("ReformerEncDec: keyword 'dim' (an integer) is required, got " + dim);
        Builder b = builder(((Number) dim).intValue());
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            String k = e.getKey();
            if (k.equals("enc_dim") || k.equals("dec_dim")) {
                throw new IllegalArgumentException("ReformerEncDec: '" + k + "' is not allowed; set 'dim' for both encoder and decoder");
            }
            if (k.startsWith("enc_")) enc.put(k.substring(4), e.getValue());
            else if (k.startsWith("dec_")) dec.put(k.substring(4), e.getValue());
            else if (k.equals("ignore_index")) b.ignoreIndex(((Number) e.getValue()).longValue());
            else if (k.equals("pad_value")) b.padValue(((Number) e.getValue()).longValue());
            else if (!k.equals("dim")) {
                throw new IllegalArgumentException("ReformerEncDec: keyword '" + k + "' has neither the enc_ nor the dec_ prefix");
            }
        }
        return b.encoder(eb -> ReformerConfig.applyPythonKwargs(eb, enc)).decoder(db -> ReformerConfig.applyPythonKwargs(db, dec)).build();
    }

    /** A builder: {@code ReformerEncDec.builder(dim).encoder(b -> ...).decoder(b -> ...).build()}. */
    public static Builder builder(int dim) {
        return new Builder(dim);
    }

    /** Options of both halves; the encoder and decoder take every {@link ReformerConfig.Builder} option. */
    public static final class Builder {
        private final int dim;
        private Consumer<ReformerConfig.Builder<ReformerConfig>> encOptions = b -> {}, decOptions = b -> {};
        private long ignoreIndex = -100, padValue = 0;

        private Builder(int dim) {
            this.dim = dim;
        }

        /** reformer-pytorch's {@code enc_*} keywords ({@code dim} and {@code returnEmbeddings} are set here). */
        public Builder encoder(Consumer<ReformerConfig.Builder<ReformerConfig>> options) {
            encOptions = options;
            return this;
        }

        /** reformer-pytorch's {@code dec_*} keywords ({@code dim} and {@code causal} are set here). */
        public Builder decoder(Consumer<ReformerConfig.Builder<ReformerConfig>> options) {
            decOptions = options;
            return this;
        }

        /** Target id skipped by the loss (reformer-pytorch's default -100). */
        public Builder ignoreIndex(long v) {
            ignoreIndex = v;
            return this;
        }

        /** Id padding variable-length targets (default 0). */
        public Builder padValue(long v) {
            padValue = v;
            return this;
        }

        public ReformerEncDec build() {
            ReformerConfig.Builder<ReformerConfig> eb = ReformerConfig.builder().dim(dim).bucketSize(64);
            encOptions.accept(eb);
            ReformerConfig ec = eb.returnEmbeddings(true).config();
            check("encoder", ec);
            ReformerConfig.Builder<ReformerConfig> db = ReformerConfig.builder().dim(dim).bucketSize(2 * ec.bucketSize).seed(ec.seed + 1);
            decOptions.accept(db);
            ReformerConfig dc = db.causal(true).config();
            check("decoder", dc);
            if (ec.dtype != dc.dtype) {
                throw new IllegalArgumentException("ReformerEncDec: encoder dtype " + ec.dtype + " differs from decoder dtype " + dc.dtype);
            }
            return new ReformerEncDec(new ReformerLM(ec), new ReformerLM(dc), ignoreIndex, padValue);
        }

        private void check(String which, ReformerConfig c) {
            if (c.dim != dim) {
                throw new IllegalArgumentException("ReformerEncDec: the " + which + " sets dim " + c.dim + "; set dim once, on "
                        + "ReformerEncDec.builder(" + dim + ")");
            }
        }
    }

    /** The dtype shared by both halves. */
    public DType dtype() {
        return encoder.config().dtype;
    }
}
