package org.reformer4j.core.autograd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Tensor;

/**
 * A custom differentiable op with a hand-written backward (torch.autograd.Function): fused kernels such
 * as LSH attention or a reversible block subclass it. {@link #forward} runs without recording; if any
 * input requires grad the output gets one node whose backward is {@link #backward}.
 * <pre>{@code
 * class Square extends Function {
 *   protected Tensor forward(Context ctx, Tensor... in) { ctx.save(in[0]); return in[0].mul(in[0]); }
 *   protected Tensor[] backward(Context ctx, Tensor g) { return new Tensor[]{ g.mul(ctx.saved(0)).mul(2) }; }
 * }
 * Tensor y = new Square().apply(x);
 * }</pre>
 */
public abstract class Function {
    /** What forward leaves for backward. */
    public static final class Context {
        private final List<Tensor> saved = new ArrayList<>();
        private final Map<String, Object> values = new HashMap<>();

        public void save(Tensor... ts) {
            for (Tensor t : ts) saved.add(t);
        }

        public Tensor saved(int i) {
            return saved.get(i);
        }

        public void put(String key, Object value) {
            values.put(key, value);
        }

        @SuppressWarnings("unchecked")
        public <T> T get(String key) {
            return (T) values.get(key);
        }
    }

    protected abstract Tensor forward(Context ctx, Tensor... inputs);

    /** One gradient per input of {@link #forward} (null where none is needed). */
    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /** A name for error messages; the class name by default. */
    protected String name() {
        return getClass().getSimpleName();
    }

    public final Tensor apply(Tensor... inputs) {
        boolean record = false;
        if (GradMode.isEnabled()) {
            for (Tensor t : inputs) record |= t != null && t.requiresGrad();
        }
        Context ctx = new Context();
        Tensor out;
        try (var ng = GradMode.noGrad()) {
            out = forward(ctx, inputs);
        }
        if (!record) return out;
        Tensor result = out.detach();
        result.setGradFn(new Recorded(this, ctx, inputs));
        return result;
    }

    /** The node of one application: backward reads the context; both are dropped once it has run. */
    private static final class Recorded extends Node {
        private Function fn;
        private Context ctx;

        Recorded(Function fn, Context ctx, Tensor... inputs) {
            super(fn.name(), inputs);
            this.fn = fn;
            this.ctx = ctx;
        }

        @Override
        public Tensor[] backward(Tensor gradOutput) {
            return fn.backward(ctx, gradOutput);
        }

        @Override
        protected void freeSaved() {
            fn = null;
            ctx = null;
        }
    }
}
