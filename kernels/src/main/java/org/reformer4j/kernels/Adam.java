package org.reformer4j.kernels;

import org.reformer4j.cuda.CudaRuntime;
import org.reformer4j.cuda.DeviceBuffer;
import org.reformer4j.cuda.Dim3;
import org.reformer4j.cuda.KernelArgs;
import org.reformer4j.cuda.KernelSource;

/**
 * Launcher of adam.cu: one Adam (L2 weight decay) or AdamW (decoupled) step on n float32 parameters with
 * their moment buffers m and v (and vmax for AMSGrad, else null), as torch.optim.Adam / AdamW step t
 * (1-based). The scalars are computed here in float64 like torch's Python side. CPU twin: {@link AdamCpu}.
 */
public final class Adam {
    static final KernelSource SOURCE = KernelSource.load(Adam.class, "adam.cu");
    /** Kernel versions (see the top comment of adam.cu). */
    public static final int VERSIONS = 1;

    /** Hyper-parameters of one step. */
    public record Step(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
            boolean maximize, long step) {
        public Step {
            if (step < 1) throw new IllegalArgumentException("adam: step must be >= 1, got " + step);
            if (!(lr >= 0) || !(eps >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
                throw new IllegalArgumentException("adam: invalid hyper-parameters " + this);
        }

        /** {b1, b2, 1-b1, 1-b2, -lr/(1-b1^t), sqrt(1-b2^t), eps, wd, 1-lr*wd} rounded to float. */
        float[] scalars() {
            return new float[] {(float) beta1, (float) beta2, (float) (1 - beta1), (float) (1 - beta2),
                (float) -(lr / (1 - Math.pow(beta1, step))), (float) Math.sqrt(1 - Math.pow(beta2, step)), (float) eps,
                (float) weightDecay, (float) (1 - lr * weightDecay)};
        }

        int flags() {
            return (!decoupled && weightDecay != 0 ? 1 : 0) | (decoupled && weightDecay != 0 ? 2 : 0) | (maximize ? 4 : 0);
        }
    }

    private Adam() {}

    public static void step(CudaRuntime rt, Step s, DeviceBuffer p, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v,
            DeviceBuffer vmax, long n, int version) {
        String fn = Launch.versioned("adam", "adam", version, VERSIONS);
        Launch.checkSizes("adam", n);
        Launch.check4("adam", "param", p, n);
        Launch.check4("adam", "grad", g, n);
        Launch.check4("adam", "exp_avg", m, n);
        Launch.check4("adam", "exp_avg_sq", v, n);
        if (vmax != null) Launch.check4("adam", "max_exp_avg_sq", vmax, n);
        if (n == 0) return;
        float[] c = s.scalars();
        KernelArgs args = KernelArgs.of().ptr(p).ptr(g).ptr(m).ptr(v);
        (vmax == null ? args.i64(0) : args.ptr(vmax)).i64(n);
        for (float x : c) args.f32(x);
        Launch.function(rt, SOURCE, fn).launch(Launch.grid(n), Dim3.of(Launch.BLOCK), 0, args.i32(s.flags()));
    }
}
