package org.reformer4j.core.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.Backends;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * torch.optim.Adam (and, with decoupled weight decay, torch.optim.AdamW; see {@link AdamW}), step for step:
 * per parameter t counts its own steps, {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code step_size = lr / (1 - b1^t)}, {@code denom = sqrt(v) / sqrt(1 - b2^t) + eps} (with AMSGrad the
 * running maximum of v), {@code p -= step_size * m / denom}. Adam's weight decay adds {@code wd * p} to the
 * gradient (L2); AdamW first multiplies p by {@code 1 - lr * wd}. The loops are in {@link OptimMath}.
 */
public class Adam extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean amsgrad, maximize, decoupled;
    private final StateMap<State> state = new StateMap<>();
    /** {@code -Dreformer4j.adam.multiTensor=false} steps accelerator parameters one by one (for comparisons). */
    static final boolean MULTI_TENSOR = !"false".equals(System.getProperty("reformer4j.adam.multiTensor"));

    /**
     * Adam state of one parameter: step count, first and second moments, AMSGrad maximum; host arrays for a
     * CPU parameter, tensors on the parameter's device otherwise ({@link DeviceOptimMath}).
     */
    static final class State {
        long step;
        Object m, v, vmax;
    }

    /** torch defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                boolean amsgrad) {
        this("Adam", params, lr, beta1, beta2, eps, weightDecay, amsgrad, false, false);
    }

    Adam(String name, List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
         boolean amsgrad, boolean maximize, boolean decoupled) {
        super(name, params, lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException(name + ": invalid beta1 " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException(name + ": invalid beta2 " + beta2);
        checkNonNegative(name, "eps", eps);
        checkNonNegative(name, "weight decay", weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.maximize = maximize;
        this.decoupled = decoupled;
    }

    /** p's state, made at its first step, with the step counted. */
    private State counted(Parameter p) {
        State s = state.get(p);
        if (s == null) {
            s = new State();
            boolean cpu = p.tensor().device().isCpu();
            s.m = cpu ? zeros(p) : DeviceOptimMath.zeros(p.tensor());
            s.v = cpu ? zeros(p) : DeviceOptimMath.zeros(p.tensor());
            if (amsgrad) s.vmax = cpu ? zeros(p) : DeviceOptimMath.zeros(p.tensor());
            state.put(p, s);
        }
        s.step++;
        return s;
    }

    /** Moves s's moments onto p's device (they follow the parameter; a no-op once there). */
    private static void onDevice(State s, Parameter p) {
        s.m = DeviceOptimMath.onDevice(s.m, p.tensor());
        s.v = DeviceOptimMath.onDevice(s.v, p.tensor());
        s.vmax = DeviceOptimMath.onDevice(s.vmax, p.tensor());
    }

    private OptimMath.AdamStep hyper(double lr, long step) {
        return new OptimMath.AdamStep(lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, maximize, step);
    }

    /**
     * CPU parameters one by one; accelerator parameters of one device, dtype and step count (normally all of them)
     * in one multi-tensor step of their backend ({@link org.reformer4j.core.Backend#adamSteps}: 32 parameters a
     * launch on CUDA instead of one launch each), else one by one. The same values either way.
     */
    @Override
    protected void updateAll(List<Parameter> ps, List<Tensor> grads, double lr) {
        Map<List<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            Tensor t = p.tensor(), g = grads.get(i);
            if (t.device().isCpu() || g.dtype() != t.dtype()) {
                update(p, g, lr);
                continue;
            }
            State s = counted(p);
            onDevice(s, p);
            groups.computeIfAbsent(List.of(t.device(), t.dtype(), s.step), k -> new ArrayList<>()).add(i);
        }
        for (var e : groups.entrySet()) {
            List<Integer> idx = e.getValue();
            long step = (Long) e.getKey().get(2);
            int k = idx.size();
            Tensor[] p = new Tensor[k], g = new Tensor[k], m = new Tensor[k], v = new Tensor[k], vmax = amsgrad ? new Tensor[k] : null;
            for (int j = 0; j < k; j++) {
                Parameter par = ps.get(idx.get(j));
                State s = state.get(par);
                p[j] = par.tensor();
                g[j] = grads.get(idx.get(j));
                m[j] = (Tensor) s.m;
                v[j] = (Tensor) s.v;
                if (vmax != null) vmax[j] = (Tensor) s.vmax;
            }
            if (k > 1 && MULTI_TENSOR && Backends.of(p[0].device())
                    .adamSteps(p, g, m, v, vmax, lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step)) {
                continue;
            }
            var hyper = hyper(lr, step);
            for (int j = 0; j < k; j++) DeviceOptimMath.adam(hyper, p[j], g[j], m[j], v[j], vmax == null ? null : vmax[j]);
        }
    }

    @Override
    protected void update(Parameter p, Tensor grad, double lr) {
        State s = counted(p);
        var step = hyper(lr, s.step);
        if (!p.tensor().device().isCpu()) { // the state follows the parameter onto its device
            onDevice(s, p);
            DeviceOptimMath.adam(step, p.tensor(), grad, (Tensor) s.m, (Tensor) s.v, (Tensor) s.vmax);
            return;
        }
        DType dt = p.tensor().dtype();
        s.m = DeviceOptimMath.onHost(s.m, dt);
        s.v = DeviceOptimMath.onHost(s.v, dt);
        s.vmax = DeviceOptimMath.onHost(s.vmax, dt);
        ParamArrays pa = ParamArrays.of(p.tensor());
        ParamArrays ga = ParamArrays.read(grad.contiguous(), p.tensor().dtype());
        int n = p.numel();
        if (p.tensor().dtype() == DType.F64) {
            OptimMath.adam(step, pa.doubles(), pa.offset, ga.doubles(), ga.offset, (double[]) s.m, (double[]) s.v,
                    (double[]) s.vmax, n);
        } else {
            OptimMath.adam(step, pa.floats(), pa.offset, ga.floats(), ga.offset, (float[]) s.m, (float[]) s.v,
                    (float[]) s.vmax, n);
        }
        pa.writeBack();
    }

    @Override
    protected Map<String, Object> parameterState(Parameter p) {
        State s = state.get(p);
        Map<String, Object> out = new LinkedHashMap<>();
        if (s == null) return out;
        DType dt = p.tensor().dtype();
        out.put("step", s.step);
        out.put("exp_avg", DeviceOptimMath.onHost(s.m, dt));
        out.put("exp_avg_sq", DeviceOptimMath.onHost(s.v, dt));
        if (s.vmax != null) out.put("max_exp_avg_sq", DeviceOptimMath.onHost(s.vmax, dt));
        return out;
    }

    @Override
    protected void restoreParameterState(Parameter p, Map<String, Object> in) {
        String me = getClass().getSimpleName() + ".loadStateDict";
        State s = new State();
        if (!(in.get("step") instanceof Long step) || in.get("exp_avg") == null || in.get("exp_avg_sq") == null) {
            throw new IllegalArgumentException(me + ": parameter state needs step, exp_avg and exp_avg_sq, got " + in.keySet());
        }
        if (amsgrad && in.get("max_exp_avg_sq") == null) {
            throw new IllegalArgumentException(me + ": AMSGrad state needs max_exp_avg_sq, got " + in.keySet());
        }
        s.step = step;
        s.m = in.get("exp_avg");
        s.v = in.get("exp_avg_sq");
        s.vmax = amsgrad ? in.get("max_exp_avg_sq") : null;
        state.put(p, s);
    }

    /** Steps this parameter has taken (0 before its first gradient). */
    public long parameterSteps(Parameter p) {
        State s = state.get(p);
        return s == null ? 0 : s.step;
    }
}
