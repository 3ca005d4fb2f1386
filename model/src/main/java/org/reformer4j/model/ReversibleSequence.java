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
 * Given a memory budget ({@link #keepActivationBytes}, 0 by default), the top layers of a training pass instead keep
 * their graphs from forward to backward, as plain autograd would, and are not recomputed.
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
            boolean record = false;
            for (Parameter p : parameters()) {
                in.add(p.tensor());
                record |= p.tensor().requiresGrad();
            }
            for (Tensor t : in.subList(0, keys != null ? 2 : 1)) record |= t.requiresGrad();
            record &= GradMode.isEnabled();
            return new Reversible(layers, s, record).apply(in.toArray(new Tensor[0]));
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

    /**
     * A layer run with its graph: its input halves, the leaf of f's input (x2) and f's output, the leaf y1 = x1 + f(x2)
     * (g's input) and g's output, and y2.
     */
    private record Kept(Tensor x1, Tensor x2, Tensor x2r, Tensor fx, Tensor y1r, Tensor gy, Tensor y2) {}

    /**
     * Bytes of activations the top layers of a training pass may keep for backward instead of recomputing them there:
     * the reversible stack's trade of arithmetic for memory undone for as many top layers as fit, each costed at
     * {@link #KEPT_BYTES_PER_INPUT_BYTE} times its input's bytes. 0 by default (every layer recomputed, as
     * reformer-pytorch does: the memory a heap was sized for stays enough); {@code -Dreformer4j.reversible.keepMiB} or
     * {@link #keepActivationBytes} sets it. lsh4k (4096 tokens, depth 6) with every layer kept: 1.32-1.49 s a step in a
     * 1000m heap against 1.78-1.98 s recomputing in 600m (bench/RESULTS.md, fifteenth session). Gradients: those of
     * plain autograd through the kept layers (no input rebuilt from outputs), the same in float64 within 1e-12.
     * CPU only: a device's activations would wait for the collector (see the CUDA runtime's reclaim).
     */
    static volatile long keepBytes = Long.getLong("reformer4j.reversible.keepMiB", 0L) << 20;

    /**
     * Upper estimate of the activations a kept layer holds per byte of its input [B, T, 2 dim], from the heap after a
     * collection with every layer kept against none: ~8.5 for lsh4k (4096 tokens, dim 256, 4 heads, 4 hash rounds:
     * the feed-forward's hidden activations, LSH per-position arrays and round outputs), at most 18.7 for the seed
     * model (full attention over 128 positions, dim 128; measured before the feed-forward kept one hidden tensor less).
     */
    static final int KEPT_BYTES_PER_INPUT_BYTE = 16;

    /**
     * Sets how many bytes of activations the top layers of later training passes may keep instead of recomputing them
     * in backward (0: none, the default; see {@link #keepBytes}). Speed for memory: a kept layer skips its forward's
     * recomputation (about a quarter of its arithmetic) but holds its graph from forward to backward.
     */
    public static void keepActivationBytes(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("keepActivationBytes: bytes must be >= 0, got " + bytes);
        keepBytes = bytes;
    }

    /** How many of the n top layers of a recorded pass on x keep their graphs ({@link #keepBytes}). */
    static int keptLayers(Tensor x, int n) {
        if (!x.device().isCpu()) return 0;
        long perLayer = (long) KEPT_BYTES_PER_INPUT_BYTE * x.numel() * x.dtype().bytes();
        return (int) Math.min(n, keepBytes / Math.max(1, perLayer));
    }

    /** The reversible stack as one op; parameters are inputs only so that the node is recorded. */
    private final class Reversible extends Function {
        private final List<Integer> layers;
        private final ForwardState s;
        /** Whether autograd records this application (only then may top layers keep their graphs). */
        private final boolean record;

        Reversible(List<Integer> layers, ForwardState s, boolean record) {
            this.layers = layers;
            this.s = s;
            this.record = record;
        }

        @Override
        protected String name() {
            return "reversibleSequence";
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            Tensor x = in[0];
            int n = layers.size(), keep = record ? keptLayers(x, n) : 0;
            Kept[] kept = new Kept[n];
            for (int i = 0; i < n - keep; i++) {
                int d = layers.get(i);
                // the block's temporaries go back to the pool at once; its output outlives the scope as
                // an ordinary (garbage-collected) tensor, so no layer's activations stay pinned
                try (var scope = Scope.open()) {
                    List<Tensor> y = slicedHalves(d, x);
                    x = Scope.detached(() -> Tensor.cat(y, 2));
                }
            }
            if (keep > 0) {
                // the top layers keep their graphs until backward (no recomputation there), their tensors in the
                // caller's scope, if any, as plain autograd's would; halves pass from layer to layer unconcatenated
                int dim = x.size(-1) / 2;
                Tensor a1 = x.narrow(2, 0, dim).detach(), a2 = x.narrow(2, dim, dim).detach();
                for (int i = n - keep; i < n; i++) {
                    kept[i] = keptLayer(layers.get(i), a1, a2);
                    a1 = kept[i].y1r.detach();
                    a2 = kept[i].y2;
                }
                x = Tensor.cat(List.of(a1, a2), 2);
            }
            ctx.put("kept", kept);
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
            Kept[] kept = ctx.get("kept");
            for (int i = layers.size() - 1; i >= 0; i--) {
                try (var scope = Scope.open()) {
                    if (kept[i] != null) {
                        h = keptBackward(kept[i], h[2], h[3]);
                        kept[i] = null; // its graph is spent: not held while the layers below run
                    } else {
                        h = layerBackward(layers.get(i), h[0], h[1], h[2], h[3]);
                    }
                }
            }
            Tensor[] grads = new Tensor[(Integer) ctx.get("inputs")];
            grads[0] = Tensor.cat(List.of(h[2], h[3]), 2);
            if (s.keys() != null) grads[1] = s.keys().grad();
            return grads;
        }

        /**
         * Layer d on the halves x1, x2 with its graph kept for backward, as plain autograd would: f on a leaf of x2,
         * g on a leaf of y1 = x1 + f(x2) (the whole sequence at once), y2 = x2 + g(y1).
         */
        private Kept keptLayer(int d, Tensor x1, Tensor x2) {
            try (var on = GradMode.enableGrad()) {
                Tensor x2r = x2.detach().requiresGrad(true);
                Tensor fx = fs.get(d).apply(x2r, s, d);
                Tensor y1r = x1.add(fx.detach()).requiresGrad(true);
                Tensor gy = gs.get(d).apply(y1r, s, d);
                return new Kept(x1, x2, x2r, fx, y1r, gy, x2.add(gy.detach()));
            }
        }

        /** A kept layer in reverse: its input halves (kept, not rebuilt) and their gradients, from dy1, dy2. */
        private Tensor[] keptBackward(Kept k, Tensor dy1, Tensor dy2) {
            k.gy.backward(dy2.contiguous());
            Tensor dg = k.y1r.grad();
            Tensor dx1 = dg == null ? dy1 : Scope.detached(() -> dy1.add(dg));
            k.fx.backward(dx1.contiguous());
            Tensor df = k.x2r.grad();
            Tensor dx2 = df == null ? dy2 : Scope.detached(() -> dy2.add(df));
            return new Tensor[] {k.x1, k.x2, dx1, dx2};
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
