package org.reformer4j.model;

import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Init;
import org.reformer4j.core.nn.LayerNorm;
import org.reformer4j.core.nn.Module;
import org.reformer4j.core.nn.Parameter;

/**
 * The residual-branch wrappers of reformer-pytorch (R:134-151): {@link PreNorm} (LayerNorm or
 * {@link ScaleNorm} before the branch) and {@link ReZero} (branch output times a learned scalar g, init 0,
 * no normalisation). Parameter paths as torch's: {@code norm.weight}, {@code norm.g}, {@code g}, {@code fn.*}.
 */
public final class Residual {
    private Residual() {}

    /** {@code fn(norm(x))}. */
    public static final class PreNorm extends Module implements Branch {
        private final Module norm;
        private final Branch fn;

        public PreNorm(Module norm, Module fn) {
            this.norm = registerModule("norm", norm);
            registerModule("fn", fn);
            this.fn = (Branch) fn;
        }

        @Override
        public Tensor apply(Tensor x, ForwardState s, int layer) {
            return fn.apply(norm.forward(x), s, layer);
        }

        @Override
        public Tensor step(Tensor x, ForwardState s, int layer, DecodeCache cache) {
            return fn.step(norm.forward(x), s, layer, cache);
        }

        Module norm() {
            return norm;
        }

        Branch fn() {
            return fn;
        }

        @Override
        public boolean positionWise() {
            return fn.positionWise();
        }
    }

    /** {@code fn(x) * g}. */
    public static final class ReZero extends Module implements Branch {
        private final Parameter g;
        private final Branch fn;

        public ReZero(Module fn, DType dtype) {
            g = registerParameter("g", Init.constant(new int[] {1}, 0, dtype));
            registerModule("fn", fn);
            this.fn = (Branch) fn;
        }

        @Override
        public Tensor apply(Tensor x, ForwardState s, int layer) {
            return fn.apply(x, s, layer).mul(g.tensor());
        }

        @Override
        public Tensor step(Tensor x, ForwardState s, int layer, DecodeCache cache) {
            return fn.step(x, s, layer, cache).mul(g.tensor());
        }

        @Override
        public boolean positionWise() {
            return fn.positionWise();
        }
    }

    /** {@code x / max(||x||, eps) * g} over the feature axis, g a scalar init 1 (no sqrt(dim) factor). */
    public static final class ScaleNorm extends Module {
        private final Parameter g;
        private final double eps;

        public ScaleNorm(double eps, DType dtype) {
            this.eps = eps;
            g = registerParameter("g", Init.constant(new int[] {1}, 1, dtype));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor n = x.norm(new int[] {x.rank() - 1}, true).clamp(eps, Double.MAX_VALUE);
            return x.div(n).mul(g.tensor());
        }
    }

    /** The wrapper the configuration asks for around {@code fn}. */
    public static Module wrap(ReformerConfig cfg, Module fn) {
        if (cfg.useRezero) return new ReZero(fn, cfg.dtype);
        Module norm = cfg.useScaleNorm ? new ScaleNorm(1e-5, cfg.dtype) : new LayerNorm(new int[] {cfg.dim}, 1e-5, true, cfg.dtype);
        return new PreNorm(norm, fn);
    }
}
