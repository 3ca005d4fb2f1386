package org.reformer4j.core.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * Base of the optimizers (torch.optim.Optimizer with one parameter group): the parameters, a base learning
 * rate and an {@link LrSchedule}. {@link #step} uses {@code lr = baseLr * schedule.multiplier(t)} with t the
 * number of steps already taken (as {@code optimizer.step(); scheduler.step()} with LambdaLR) and updates
 * every parameter that has a gradient; parameters without one are skipped and their state is untouched
 * (as torch). For groups with different settings (e.g. no weight decay on biases), use one optimizer per group.
 */
public abstract class Optimizer {
    protected final List<Parameter> params;
    private final double baseLr;
    private LrSchedule schedule = LrSchedule.constant();
    private long steps;

    protected Optimizer(String name, List<Parameter> params, double lr) {
        if (params == null || params.isEmpty()) throw new IllegalArgumentException(name + ": empty parameter list");
        if (!(lr >= 0) || !Double.isFinite(lr)) throw new IllegalArgumentException(name + ": invalid learning rate " + lr);
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Parameter p : params) {
            if (p == null) throw new IllegalArgumentException(name + ": null parameter");
            if (!seen.add(p)) throw new IllegalArgumentException(name + ": a parameter appears twice in the list (" + p + ")");
        }
        this.params = List.copyOf(params);
        this.baseLr = lr;
    }

    /** Sets the learning-rate schedule (constant by default); returns this. */
    public Optimizer schedule(LrSchedule s) {
        if (s == null) throw new IllegalArgumentException("Optimizer.schedule: null schedule");
        this.schedule = s;
        return this;
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        double lr = currentLr();
        steps++;
        List<Parameter> ps = new ArrayList<>(params.size());
        List<Tensor> gs = new ArrayList<>(params.size());
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            if (!java.util.Arrays.equals(g.shape(), p.shape())) {
                throw new IllegalStateException(getClass().getSimpleName() + ".step: gradient of shape "
                        + java.util.Arrays.toString(g.shape()) + " for a parameter of shape "
                        + java.util.Arrays.toString(p.shape()));
            }
            ps.add(p);
            gs.add(g);
        }
        updateAll(ps, gs, lr);
    }

    /**
     * Updates the parameters that have a gradient (in parameter order, gradients checked): one {@link #update} each
     * unless an optimizer steps several at once (Adam's multi-tensor step on an accelerator).
     */
    protected void updateAll(List<Parameter> ps, List<Tensor> grads, double lr) {
        for (int i = 0; i < ps.size(); i++) update(ps.get(i), grads.get(i), lr);
    }

    /** Updates one parameter in place with its gradient at learning rate {@code lr}. */
    protected abstract void update(Parameter p, Tensor grad, double lr);

    /**
     * The state of one parameter by key (torch's names: {@code exp_avg}, {@code momentum_buffer}, ...), each a
     * float[] or double[] of the parameter's size or a Long; empty before the parameter's first step.
     */
    protected abstract Map<String, Object> parameterState(Parameter p);

    /** Restores what {@link #parameterState} returned (arrays already checked against the parameter's size). */
    protected abstract void restoreParameterState(Parameter p, Map<String, Object> state);

    /**
     * The optimizer's state as tensors, for checkpoints: {@code steps} (int64 scalar) and
     * {@code param.<i>.<key>} for the i-th parameter of the list ({@code step} as int64, moments in the
     * parameter's dtype), like torch's optimizer state_dict keyed by parameter index.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        out.put("steps", Tensor.of(new long[] {steps}));
        for (int i = 0; i < params.size(); i++) {
            for (Map.Entry<String, Object> e : parameterState(params.get(i)).entrySet()) {
                String key = "param." + i + "." + e.getKey();
                Object v = e.getValue();
                Tensor t = v instanceof Long l ? Tensor.of(new long[] {l})
                        : v instanceof double[] d ? Tensor.of(d.clone(), d.length) : Tensor.of(((float[]) v).clone(), ((float[]) v).length);
                out.put(key, t);
            }
        }
        return out;
    }

    /** Restores {@link #stateDict} output taken from an optimizer of the same kind over parameters of the same sizes. */
    public final void loadStateDict(Map<String, Tensor> state) {
        String me = getClass().getSimpleName() + ".loadStateDict";
        Tensor s = state.get("steps");
        if (s == null || s.numel() != 1) throw new IllegalArgumentException(me + ": no scalar 'steps' entry");
        Map<Integer, Map<String, Object>> per = new java.util.TreeMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (e.getKey().equals("steps")) continue;
            String[] parts = e.getKey().split("\\.", 3);
            int i;
            try {
                if (parts.length != 3 || !parts[0].equals("param")) throw new NumberFormatException();
                i = Integer.parseInt(parts[1]);
            } catch (NumberFormatException bad) {
                throw new IllegalArgumentException(me + ": unexpected entry '" + e.getKey() + "'");
            }
            if (i < 0 || i >= params.size()) {
                throw new IllegalArgumentException(me + ": entry '" + e.getKey() + "' for parameter " + i + " of "
                        + params.size());
            }
            Tensor t = e.getValue();
            Parameter p = params.get(i);
            Object v;
            if (t.dtype() == DType.I64) {
                v = t.toLongArray()[0];
            } else {
                if (t.numel() != p.numel()) {
                    throw new IllegalArgumentException(me + ": entry '" + e.getKey() + "' has " + t.numel()
                            + " elements, parameter " + i + " has " + p.numel());
                }
                v = p.tensor().dtype() == DType.F64 ? t.toDoubleArray() : t.toFloatArray();
            }
            per.computeIfAbsent(i, k -> new java.util.LinkedHashMap<>()).put(parts[2], v);
        }
        for (Map.Entry<Integer, Map<String, Object>> e : per.entrySet()) {
            restoreParameterState(params.get(e.getKey()), e.getValue());
        }
        steps = s.toLongArray()[0];
    }

    /** Drops every parameter's gradient. */
    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    /** The learning rate the next {@link #step} will use. */
    public final double currentLr() {
        return schedule.lr(baseLr, steps);
    }

    public final double baseLr() {
        return baseLr;
    }

    /** Steps taken so far. */
    public final long stepCount() {
        return steps;
    }

    public final List<Parameter> parameters() {
        return params;
    }

    /** Per-parameter optimizer state, created on first use. */
    protected static final class StateMap<S> {
        private final Map<Parameter, S> map = new IdentityHashMap<>();

        S get(Parameter p) {
            return map.get(p);
        }

        void put(Parameter p, S s) {
            map.put(p, s);
        }

        List<S> values() {
            return new ArrayList<>(map.values());
        }
    }

    /** A zeroed host array of the parameter's dtype and size (optimizer state lives on the host). */
    static Object zeros(Parameter p) {
        return p.tensor().dtype() == DType.F64 ? new double[p.numel()] : new float[p.numel()];
    }

    static void checkNonNegative(String name, String what, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) throw new IllegalArgumentException(name + ": invalid " + what + " " + v);
    }
}
