package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Init;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.random.Generator;

/**
 * Product-key memory (product-key-memory 0.1.10 {@code PKM}, PKM:32-114, as reformer-pytorch's
 * {@code pkm_layers} use it): queries {@code to_queries x} (4 heads x 256), batch norm in training mode over
 * all B*T rows (no input mask), each head's two 128-wide halves scored against {@code keys}, top 32 per half,
 * top 32 of the 32x32 sums, softmax, and the weighted sum of the chosen rows of {@code values.weight}.
 * Parameter paths as torch's: {@code keys}, {@code to_queries.weight}, {@code norm.fn.*}, {@code values.weight}.
 * Shapes: x [B, T, dim] -> [B, T, dim].
 */
public final class ProductKeyMemory extends Module implements Branch {
    static final int HEADS = 4, TOPK = 32, DIM_HEAD = 256;
    private final int dim, numKeys;
    private final Parameter keys;
    private final Linear toQueries;
    private final BatchNorm norm;
    private final Parameter values;

    public ProductKeyMemory(int dim, int numKeys, DType dtype, Generator g) {
        if (dim % HEADS != 0) throw new IllegalArgumentException("ProductKeyMemory: dim " + dim + " must be divisible by " + HEADS + " heads");
        if (numKeys < TOPK) throw new IllegalArgumentException("ProductKeyMemory: numKeys " + numKeys + " must be >= top-k " + TOPK);
        this.dim = dim;
        this.numKeys = numKeys;
        toQueries = registerModule("to_queries", new Linear(dim, HEADS * DIM_HEAD, false, dtype, g));
        norm = registerModule("norm", new BatchNorm(HEADS * DIM_HEAD, dtype));
        keys = registerParameter("keys", Init.normal(new int[] {HEADS, numKeys, 2, DIM_HEAD / 2}, 0, 1 / Math.sqrt(DIM_HEAD / 2.0), dtype, g));
        values = registerModule("values", new Values(numKeys * numKeys, dim, dtype, g)).weight;
    }

    /** {@code nn.EmbeddingBag}'s weight under the name {@code values.weight}. */
    private static final class Values extends Module {
        final Parameter weight;

        Values(int n, int dim, DType dtype, Generator g) {
            weight = registerParameter("weight", Init.normal(new int[] {n, dim}, 0, 1 / Math.sqrt(dim), dtype, g));
        }
    }

    /** {@code MaskedBatchNorm1D(BatchNorm1d)}: path {@code norm.fn}; batch statistics while training. */
    private static final class BatchNorm extends Module {
        final Stats fn;

        BatchNorm(int features, DType dtype) {
            fn = registerModule("fn", new Stats(features, dtype));
        }
    }

    private static final class Stats extends Module {
        final Parameter weight, bias;

        Stats(int features, DType dtype) {
            weight = registerParameter("weight", Init.constant(new int[] {features}, 1, dtype));
            bias = registerParameter("bias", Init.constant(new int[] {features}, 0, dtype));
            registerBuffer("running_mean", Tensor.zeros(new int[] {features}, dtype, Device.CPU), true);
            registerBuffer("running_var", Tensor.full(new int[] {features}, 1, dtype, Device.CPU), true);
            registerBuffer("num_batches_tracked", Tensor.zeros(new int[0], DType.I64, Device.CPU), true);
        }

        /** Rows [R, C]: training normalises with the batch's biased variance and updates the running statistics. */
        Tensor apply(Tensor q, boolean training, boolean update) {
            Tensor mean, var;
            if (training) {
                mean = q.mean(0, true);
                var = q.sub(mean).square().mean(0, true);
                if (update) {
                    try (var ng = GradMode.noGrad()) {
                        int r = q.size(0);
                        Tensor rm = buffer("running_mean"), rv = buffer("running_var");
                        setBuffer("running_mean", rm.mul(0.9).add(mean.detach().reshape(-1).mul(0.1)));
                        setBuffer("running_var", rv.mul(0.9).add(var.detach().reshape(-1).mul(0.1 * r / Math.max(1, r - 1))));
                        setBuffer("num_batches_tracked", buffer("num_batches_tracked").add(1));
                    }
                }
            } else {
                mean = buffer("running_mean");
                var = buffer("running_var");
            }
            return q.sub(mean).mul(var.add(1e-5).rsqrt()).mul(weight.tensor()).add(bias.tensor());
        }
    }

    @Override
    public Tensor apply(Tensor x, ForwardState s, int layer) {
        int b = x.size(0), t = x.size(1), bt = b * t, half = DIM_HEAD / 2;
        Tensor q = norm.fn.apply(toQueries.forward(x).reshape(bt, HEADS * DIM_HEAD), s.training, !s.replay(layer, 1).replaying());
        // [BT, 2, 4, 128] -> [2, 4, BT, 128]; keys [4, nk, 2, 128] -> [2, 4, 128, nk]
        Tensor qh = q.reshape(bt, 2, HEADS, half).permute(1, 2, 0, 3);
        Tensor dots = qh.matmul(keys.tensor().permute(2, 0, 3, 1)); // [2, 4, BT, nk]
        Tensor idx = dots.detach().topk(TOPK, 3, true).indices();
        Tensor scores = dots.gather(3, idx); // [2, 4, BT, 32]
        Tensor s0 = scores.select(0, 0), s1 = scores.select(0, 1);
        Tensor all = s0.unsqueeze(3).add(s1.unsqueeze(2)).reshape(HEADS, bt, TOPK * TOPK);
        Tensor best = all.detach().topk(TOPK, 2, true).indices(); // [4, BT, 32] = i*32 + j
        Tensor top = all.gather(2, best);
        Tensor attn = Functional.softmax(top, -1, false);
        Tensor w = attn.permute(1, 0, 2).reshape(bt, HEADS * TOPK, 1);
        if (!x.device().isCpu()) { // the same slots by tensor ops, without copying the indices to the host
            Tensor cand = idx.select(0, 0).unsqueeze(3).mul(Tensor.scalar(numKeys, DType.I64, x.device()))
                    .add(idx.select(0, 1).unsqueeze(2)).reshape(HEADS, bt, TOPK * TOPK); // i*32 + j -> i0 * nk + i1
            Tensor slots = cand.gather(2, best).permute(1, 0, 2).reshape(bt, HEADS * TOPK);
            return Tensor.embedding(values.tensor(), slots).mul(w).sum(1, false).reshape(b, t, dim);
        }
        long[] ii = idx.toLongArray(), bb = best.toLongArray();
        long[] slot = new long[bt * HEADS * TOPK]; // [BT, 4*32] in (head, k) order
        int plane = HEADS * bt * TOPK;
        for (int hd = 0; hd < HEADS; hd++) {
            for (int r = 0; r < bt; r++) {
                for (int k = 0; k < TOPK; k++) {
                    long c = bb[(hd * bt + r) * TOPK + k];
                    int i = (int) (c / TOPK), j = (int) (c % TOPK);
                    long i0 = ii[(hd * bt + r) * TOPK + i], i1 = ii[plane + (hd * bt + r) * TOPK + j];
                    slot[(r * HEADS + hd) * TOPK + k] = i0 * numKeys + i1;
                }
            }
        }
        // the weighted sum of the chosen rows without gathering them into a [BT, 128, dim] tensor
        return EmbeddingBag.sum(values.tensor(), slot, w.reshape(bt, HEADS * TOPK)).reshape(b, t, dim);
    }
}
