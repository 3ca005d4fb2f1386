package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.random.Generator;

/**
 * The Reformer trunk (reformer-pytorch {@code Reformer}, R:667-714): {@code depth} layers, each an
 * attention branch f = wrap({@link LSHSelfAttention}) and a second branch g = wrap({@link Chunk} of
 * {@link FeedForward}) or wrap({@link ProductKeyMemory}) on the PKM layers; with {@code weightTie} every
 * layer shares one attention and one feed-forward (and one PKM) but keeps its own wrapper. The input is
 * doubled to [x, x], run through the {@link ReversibleSequence}, and the two halves averaged.
 * Shapes: [B, T, dim] -> [B, T, dim].
 */
public final class Reformer extends Module {
    private final ReversibleSequence layers;

    public Reformer(ReformerConfig cfg, Generator g) {
        List<Module[]> blocks = new ArrayList<>();
        LSHSelfAttention sharedAttn = null;
        Chunk sharedFf = null;
        ProductKeyMemory sharedPkm = null;
        for (int d = 0; d < cfg.depth; d++) {
            LSHSelfAttention attn = cfg.weightTie && sharedAttn != null ? sharedAttn : new LSHSelfAttention(cfg, g);
            sharedAttn = attn;
            Module second;
            if (cfg.isPkmLayer(d)) {
                ProductKeyMemory pkm = cfg.weightTie && sharedPkm != null ? sharedPkm : new ProductKeyMemory(cfg.dim, cfg.pkmNumKeys, cfg.dtype, g);
                sharedPkm = pkm;
                second = pkm;
            } else {
                Chunk ff = cfg.weightTie && sharedFf != null ? sharedFf : new Chunk(cfg.ffChunks, new FeedForward(cfg, g));
                sharedFf = ff;
                second = ff;
            }
            blocks.add(new Module[] {Residual.wrap(cfg, attn), Residual.wrap(cfg, second)});
        }
        layers = registerModule("layers", new ReversibleSequence(blocks, cfg.layerDropout, cfg.reverseThres));
    }

    ReversibleSequence layers() {
        return layers;
    }

    /** One decoding step: x [B, 1, dim] is the newest position. */
    public Tensor step(Tensor x, ForwardState s, DecodeCache cache) {
        Tensor y = layers.step(Tensor.cat(List.of(x, x), 2), s, cache);
        int dim = x.size(2);
        return y.narrow(2, 0, dim).add(y.narrow(2, dim, dim)).div(2);
    }

    public Tensor forward(Tensor x, ForwardState s) {
        Tensor y = layers.forward(Tensor.cat(List.of(x, x), 2), s);
        int dim = x.size(2);
        return y.narrow(2, 0, dim).add(y.narrow(2, dim, dim)).div(2);
    }
}
