package org.reformer4j.model;

import java.util.ArrayList;
import java.util.List;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.autograd.Function;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.ModuleList;
import org.reformer4j.core.nn.Parameter;

/**
 * The stack of Reformer layers (reformer-pytorch {@code ReversibleSequence}, REV:136-215). Each layer maps
 * {@code [x1, x2]} to {@code y1 = x1 + f(x2)}, {@code y2 = x2 + g(y1)}. When the length exceeds
 * {@code reverseThres} the whole stack is one {@link Function} that keeps only its output: backward walks the
 * layers in reverse, rebuilds {@code x2 = y2 - g(y1)}, {@code x1 = y1 - f(x2)} and backpropagates through
 * that recomputation, which replays the forward's buckets and dropout masks ({@link ForwardState.Replay});
 * encoder keys in the forward state are an input of that op and receive the gradient summed over the layers.
 * Otherwise plain autograd runs the same layers ({@code IrreversibleBlock}s). Layer dropout drops whole
 * layers while training. Parameter names: {@code blocks.<d>.f.net.*} (canonical) and the aliases
 * {@code irrev_blocks.<d>.f.*}, both registered like torch's. Shapes: [B, T, 2*dim] -> [B, T, 2*dim].
 */
public final class ReversibleSequence extends Module {
    /** Positions (batch x length) per slice when the feed-forward branch is backpropagated a slice at a time. */
    static final int SLICE_ROWS = 2048;
    /**
     * The same on an accelerator, where the slices cost kernel launches (7 per slice and layer in the forward, as many
     * again in backward) and memory is plentiful: 16384 positions' hidden activations at dim 256 are 64 MiB.
     */
    static final int DEVICE_SLICE_ROWS = 16384;

    /** Rows of a feed-forward slice for x of batch b: a whole number of sequences' positions, at least one. */
    static int sliceRows(Tensor x) {
        return Math.max(1, (x.device().isCpu() ? SLICE_ROWS : DEVICE_SLICE_ROWS) / x.size(0));
    }
    private final List<Branch> fs = new ArrayList<>(), gs = new ArrayList<>();
    private final double layerDropout;
    private final int reverseThres;

    /** Pairs (f, g) per layer; each must be a Module implementing {@link Branch}. */
    public ReversibleSequence(List<Module[]> layers, double layerDropout, int reverseThres) {
        this.layerDropout = layerDropout;
        this.reverseThres = reverseThres;
        List<Module> rev = new ArrayList<>(), irr = new ArrayList<>();
        for (Module[] fg : layers) {
            rev.add(new Pair(new Net(fg[0]), new Net(fg[1])));
            irr.add(new Pair(fg[0], fg[1]));
            fs.add((Branch) fg[0]);
            gs.add((Branch) fg[1]);
        }
        registerModule("blocks", new ModuleList<>(rev));
        registerModule("irrev_blocks", new ModuleList<>(irr));
    }

    /** torch's {@code Deterministic} wrapper: only a name ({@code net}) in the parameter paths. */
    private static final class Net extends Module {
        Net(Module m) {
            registerModule("net", m);
        }
    }

    /** A block: modules f and g. */
    private static final class Pair extends Module {
        Pair(Module f, Module g) {
            registerModule("f", f);
            registerModule("g", g);
        }
    }

    public Tensor forward(Tensor x, ForwardState s) {
        List<Integer> layers = new ArrayList<>();
        for (int d = 0; d < fs.size(); d++) layers.add(d);
        if (s.training && layerDropout > 0) {
            double[] u = new double[fs.size()];
            s.generator.uniform(u);
            List<Integer> kept = new ArrayList<>();
            for (int d = 0; d < u.length; d++) if (u[d] >= layerDropout) kept.add(d);
            layers = kept.isEmpty() ? List.of(0) : kept;
        }
        if (x.size(1) > reverseThres) {
            List<Tensor> in = new ArrayList<>();
            in.add(x);
            Tensor keys = s.keys();
            if (keys != null) {
                // input 1: the keys, read by every layer through a leaf of the same values whose gradient the
                // recomputation accumulates layer by layer (it never runs backward into the keys' own graph)
                in.add(keys);
                s.useKeys(keys.detach().requiresGrad(keys.requiresGrad()));
            }
            for (Parameter p : parameters()) in.add(p.tensor());
            return new Reversible(layers, s).apply(in.toArray(new Tensor[0]));
        }
        for (int d : layers) x = block(d, x, s);
        return x;
    }

    /** Layer d's attention branch f (for the flat decoding step). */
    Branch f(int d) {
        return fs.get(d);
    }

    /** Layer d's second branch g. */
    Branch g(int d) {
        return gs.get(d);
    }

    /** One decoding step through every layer (no layer dropout: generation runs in eval mode). */
    public Tensor step(Tensor x, ForwardState s, DecodeCache cache) {
        for (int d = 0; d < fs.size(); d++) {
            int dim = x.size(-1) / 2;
            Tensor x1 = x.narrow(2, 0, dim), x2 = x.narrow(2, dim, dim);
            Tensor y1 = x1.add(fs.get(d).step(x2, s, d, cache));
            Tensor y2 = x2.add(gs.get(d).step(y1, s, d, cache));
            x = Tensor.cat(List.of(y1, y2), 2);
        }
        return x;
    }

    private Tensor block(int d, Tensor x, ForwardState s) {
        return Tensor.cat(halves(d, x, s), 2);
    }

    /** Layer d on x = [x1, x2]: the output halves y1 = x1 + f(x2), y2 = x2 + g(y1). */
    private List<Tensor> halves(int d, Tensor x, ForwardState s) {
        int dim = x.size(-1) / 2;
        Tensor x1 = x.narrow(2, 0, dim), x2 = x.narrow(2, dim, dim);
        Tensor y1 = x1.add(fs.get(d).apply(x2, s, d));
        Tensor y2 = x2.add(gs.get(d).apply(y1, s, d));
        return List.of(y1, y2);
    }

    /** The reversible stack as one op; parameters are inputs only so that the node is recorded. */
    private final class Reversible extends Function {
        private final List<Integer> layers;
        private final ForwardState s;

        Reversible(List<Integer> layers, ForwardState s) {
            this.layers = layers;
            this.s = s;
        }

        @Override
        protected String name() {
            return "reversibleSequence";
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            Tensor x = in[0];
            for (int d : layers) {
                // the block's temporaries go back to the pool at once; its output outlives the scope as
                // an ordinary (garbage-collected) tensor, so no layer's activations stay pinned
                try (var scope = Scope.open()) {
                    List<Tensor> y = slicedHalves(d, x);
                    x = Scope.detached(() -> Tensor.cat(y, 2));
                }
            }
            // the output is handed to backward through a box that backward empties: the first layer's inputs
            // replace it, so it is not held (2 x 16 MiB at 16384 positions) for the rest of the backward
            ctx.put("y", new Tensor[] {x});
            ctx.put("inputs", in.length);
            return x;
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor dy) {
            Tensor[] box = ctx.get("y");
            Tensor y = box[0];
            if (y == null) {
                throw new IllegalStateException("reversibleSequence: backward ran twice through the same graph; the op hands its "
                        + "saved output to the first backward (run the forward again)");
            }
            box[0] = null;
            int dim = y.size(-1) / 2;
            // the halves travel separately from layer to layer: no [x1, x2] or [dx1, dx2] is concatenated until
            // the end (at 16384 positions each concatenation held 2 x 32 MiB more at the backward's peak)
            Tensor[] h = {y.narrow(2, 0, dim), y.narrow(2, dim, dim), dy.narrow(2, 0, dim), dy.narrow(2, dim, dim)};
            y = null;
            for (int i = layers.size() - 1; i >= 0; i--) {
                try (var scope = Scope.open()) {
                    h = layerBackward(layers.get(i), h[0], h[1], h[2], h[3]);
                }
            }
            Tensor[] grads = new Tensor[(Integer) ctx.get("inputs")];
            grads[0] = Tensor.cat(List.of(h[2], h[3]), 2);
            if (s.keys() != null) grads[1] = s.keys().grad();
            return grads;
        }

        /**
         * {@link #halves} without a graph, the position-wise second branch (the feed-forward) run over slices of
         * {@link #sliceRows} positions as {@link #gBackward} recomputes it: its hidden activations ([B, T, 4 dim]
         * twice, 64 MiB each at 16384 positions) are then never allocated for the whole sequence. Same values:
         * every op of such a branch computes each position from that position alone, the products included (a
         * row of C sums over k in the same order whatever the number of rows).
         */
        private List<Tensor> slicedHalves(int d, Tensor x) {
            Branch g = gs.get(d);
            int t = x.size(1), rows = sliceRows(x), dim = x.size(-1) / 2;
            if (!g.positionWise() || t <= rows) return halves(d, x, s);
            Tensor x1 = x.narrow(2, 0, dim), x2 = x.narrow(2, dim, dim);
            Tensor y1 = x1.add(fs.get(d).apply(x2, s, d));
            List<Tensor> y2 = new ArrayList<>();
            for (int a = 0; a < t; a += rows) {
                int at = a, n = Math.min(rows, t - a);
                try (var slice = Scope.open()) { // one slice's hidden activations go back to the pool for the next
                    Tensor gy = g.apply(y1.narrow(1, at, n).contiguous(), s, d);
                    y2.add(Scope.detached(() -> x2.narrow(1, at, n).add(gy)));
                }
            }
            return List.of(y1, Tensor.cat(y2, 1));
        }

        /**
         * The second branch recomputed on y1 and backpropagated from dy2: its output and the gradient of y1 (null
         * when none). A position-wise branch (the feed-forward) runs over slices of {@link #sliceRows} positions,
         * each slice's graph freed before the next is built, so the hidden activations of the whole sequence are
         * never held at once.
         */
        private Tensor[] gBackward(Branch g, int d, Tensor y1, Tensor dy2) {
            int t = y1.size(1), rows = sliceRows(y1);
            if (!g.positionWise() || t <= rows) {
                Tensor y1r = y1.detach().requiresGrad(true);
                Tensor gy1;
                try (var on = GradMode.enableGrad()) {
                    gy1 = g.apply(y1r, s, d);
                }
                gy1.backward(dy2.contiguous());
                return new Tensor[] {gy1.detach(), y1r.grad()};
            }
            List<Tensor> outs = new ArrayList<>(), grads = new ArrayList<>();
            for (int a = 0; a < t; a += rows) {
                int n = Math.min(rows, t - a);
                Tensor y1r = y1.narrow(1, a, n).contiguous().detach().requiresGrad(true);
                Tensor gy1;
                try (var on = GradMode.enableGrad()) {
                    gy1 = g.apply(y1r, s, d);
                }
                gy1.backward(dy2.narrow(1, a, n).contiguous());
                outs.add(gy1.detach());
                grads.add(y1r.grad());
            }
            return new Tensor[] {Tensor.cat(outs, 1), Tensor.cat(grads, 1)};
        }

        /**
         * One layer in reverse: from its output halves y1, y2 and their gradients dy1, dy2, rebuilds the input
         * halves x1, x2 and their gradients dx1, dx2 (returned in that order), accumulating the parameters'
         * gradients on the way. The four results are made outside the caller's scope (garbage-collected),
         * everything else inside it.
         */
        private Tensor[] layerBackward(int d, Tensor y1, Tensor y2, Tensor dy1, Tensor dy2) {
            s.replay(d, 1).startReplay();
            Tensor[] gBack = gBackward(gs.get(d), d, y1, dy2);
            Tensor x2 = Scope.detached(() -> y2.sub(gBack[0]));
            Tensor dx1 = gBack[1] == null ? dy1 : Scope.detached(() -> dy1.add(gBack[1]));
            gBack[0] = gBack[1] = null; // g(y1) and its input gradient are spent: not held while f is recomputed
            Tensor x2r = x2.detach().requiresGrad(true);
            s.replay(d, 0).startReplay();
            Tensor fx2;
            try (var on = GradMode.enableGrad()) {
                fx2 = fs.get(d).apply(x2r, s, d);
            }
            fx2.backward(dx1.contiguous());
            Tensor fx = fx2.detach(), dx2g = x2r.grad();
            Tensor x1 = Scope.detached(() -> y1.sub(fx));
            Tensor dx2 = dx2g == null ? dy2 : Scope.detached(() -> dy2.add(dx2g));
            return new Tensor[] {x1, x2, dx1, dx2};
        }
    }
}
