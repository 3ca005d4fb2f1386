package org.reformer4j.core.optim;

import java.util.List;
import java.util.Map;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * torch.optim.SGD: {@code d = g + wd p}; with momentum mu the buffer is {@code d} on a parameter's first step
 * and {@code mu buf + (1 - dampening) d} after, and {@code d = nesterov ? d + mu buf : buf};
 * then {@code p -= lr d}. Nesterov needs momentum > 0 and dampening 0, as in torch.
 */
public final class SGD extends Optimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final StateMap<Object> buffers = new StateMap<>();

    /** Plain SGD. */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay,
               boolean nesterov) {
        super("SGD", params, lr);
        checkNonNegative("SGD", "momentum", momentum);
        checkNonNegative("SGD", "dampening", dampening);
        checkNonNegative("SGD", "weight decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                    + "momentum " + momentum + ", dampening " + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected Map<String, Object> parameterState(Parameter p) {
        Object buf = buffers.get(p);
        return buf == null ? Map.of() : Map.of("momentum_buffer", buf);
    }

    @Override
    protected void restoreParameterState(Parameter p, Map<String, Object> in) {
        Object buf = in.get("momentum_buffer");
        if (buf == null || in.size() != 1) {
            throw new IllegalArgumentException("SGD.loadStateDict: parameter state holds " + in.keySet()
                    + ", expected [momentum_buffer]");
        }
        buffers.put(p, buf);
    }

    @Override
    protected void update(Parameter p, Tensor grad, double lr) {
        Object buf = null;
        boolean first = false;
        if (momentum != 0) {
            buf = buffers.get(p);
            if (buf == null) {
                buf = zeros(p);
                buffers.put(p, buf);
                first = true;
            }
        }
        var step = new OptimMath.SgdStep(lr, momentum, dampening, weightDecay, nesterov, false, first);
        ParamArrays pa = ParamArrays.of(p.tensor());
        ParamArrays ga = ParamArrays.read(grad.contiguous(), p.tensor().dtype());
        if (p.tensor().dtype() == DType.F64) {
            OptimMath.sgd(step, pa.doubles(), pa.offset, ga.doubles(), ga.offset, (double[]) buf, p.numel());
        } else {
            OptimMath.sgd(step, pa.floats(), pa.offset, ga.floats(), ga.offset, (float[]) buf, p.numel());
        }
        pa.writeBack();
    }
}
