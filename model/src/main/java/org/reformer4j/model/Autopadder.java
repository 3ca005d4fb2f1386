package org.reformer4j.model;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Tensor;

/**
 * Pads a batch so that LSH chunking can take it (reformer-pytorch {@code Autopadder}, PAD:29-55): when the
 * length t exceeds {@code fullAttnThres}, ids are right-padded with 0 so that t + numMemKv is a multiple of
 * 2*bucketSize, and a keep-mask is passed (all true for the given positions, false for the padding; a
 * given mask is padded with false). The output is trimmed back to t. At or below the threshold nothing is
 * padded and no mask is made. Shapes: ids [B, t] -> logits [B, t, V].
 */
public final class Autopadder {
    private final ReformerLM net;

    public Autopadder(ReformerLM net) {
        this.net = net;
    }

    public ReformerLM net() {
        return net;
    }

    /** The padded model length for a wrapper length t (t itself when no padding applies). */
    public int paddedLength(int t) {
        ReformerConfig c = net.config();
        if (t <= c.fullAttnThres) return t;
        int m = 2 * c.bucketSize;
        return Math.ceilDiv(t + c.numMemKv, m) * m - c.numMemKv;
    }

    /**
     * The pass of a decoder attending to {@code keys} [B, C, dim] (mask [B, C] or null): as reformer-pytorch
     * decides it, padding applies when t + numMemKv + C exceeds {@code fullAttnThres} and makes that sum a
     * multiple of 2*bucketSize; the keys themselves are never padded. {@code keys} null is the plain pass.
     */
    public Tensor forward(Tensor ids, Tensor inputMask, Tensor keys, Tensor contextMask, Recorder recorder) {
        if (keys == null) {
            if (contextMask != null) throw new IllegalArgumentException("ReformerLM: a context mask was given without keys");
            return forward(ids, inputMask, recorder);
        }
        ReformerConfig c = net.config();
        int b = ids.size(0), t = ids.size(1), extra = c.numMemKv + (keys.rank() == 3 ? keys.size(1) : 0);
        if (t + extra <= c.fullAttnThres) return net.forward(ids, inputMask, keys, contextMask, recorder);
        Device at = ids.device();
        Tensor mask = inputMask != null ? inputMask : Tensor.full(new int[] {b, t}, 1, DType.BOOL, at);
        int m = 2 * c.bucketSize, pad = Math.ceilDiv(t + extra, m) * m - extra - t;
        Tensor x = ids;
        if (pad > 0) {
            x = Tensor.cat(List.of(ids, Tensor.zeros(new int[] {b, pad}, ids.dtype(), at)), 1);
            mask = Tensor.cat(List.of(mask, Tensor.zeros(new int[] {b, pad}, DType.BOOL, mask.device())), 1);
        }
        Tensor out = net.forward(x, mask, keys, contextMask, recorder);
        return pad > 0 ? out.narrow(1, 0, t) : out;
    }

    public Tensor forward(Tensor ids, Tensor inputMask, Recorder recorder) {
        int b = ids.size(0), t = ids.size(1);
        if (t > net.config().maxSeqLen) {
            throw new IllegalArgumentException("ReformerLM: sequence length " + t + " exceeds maxSeqLen " + net.config().maxSeqLen);
        }
        if (t <= net.config().fullAttnThres) return net.forward(ids, inputMask, recorder);
        Device at = ids.device(); // padding is made where the ids are (the model moves them to its device)
        Tensor mask = inputMask != null ? inputMask : Tensor.full(new int[] {b, t}, 1, DType.BOOL, at);
        int pad = paddedLength(t) - t;
        Tensor x = ids;
        if (pad > 0) {
            x = Tensor.cat(List.of(ids, Tensor.zeros(new int[] {b, pad}, ids.dtype(), at)), 1);
            mask = Tensor.cat(List.of(mask, Tensor.zeros(new int[] {b, pad}, DType.BOOL, mask.device())), 1);
        }
        Tensor out = net.forward(x, mask, recorder);
        return pad > 0 ? out.narrow(1, 0, t) : out;
    }
}
