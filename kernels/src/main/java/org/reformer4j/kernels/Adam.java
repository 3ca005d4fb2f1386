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
    /** Tensors per launch of {@link #stepList} (ADAM_LIST in adam.cu). */
    public static final int LIST = 32;
    /** Blocks per tensor of an adam_list_v1 launch (2 per SM of an H100). */
    static final int LIST_BLOCKS = 264;

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

    /**
     * {@link #step} on tensors i = 0 .. p.length-1 (n[i] elements each; vmax null, or an array with an entry per
     * tensor), {@link #LIST} tensors per launch of adam_list_v1 (torch's multi-tensor Adam): the same bits as one
     * {@link #step} per tensor, in ceil(count / LIST) launches instead of count.
     */
    public static void stepList(CudaRuntime rt, Step s, DeviceBuffer[] p, DeviceBuffer[] g, DeviceBuffer[] m, DeviceBuffer[] v,
            DeviceBuffer[] vmax, long[] n) {
        int count = p.length;
        if (g.length != count || m.length != count || v.length != count || n.length != count || (vmax != null && vmax.length != count))
            throw new IllegalArgumentException("adam_list: " + count + " params but " + g.length + " grads, " + m.length + " exp_avg, "
                    + v.length + " exp_avg_sq, " + (vmax == null ? "no" : vmax.length) + " max_exp_avg_sq and " + n.length + " sizes");
        for (int i = 0; i < count; i++) {
            Launch.checkSizes("adam_list", n[i]);
            checkList("param", i, p[i], n[i]);
            checkList("grad", i, g[i], n[i]);
            checkList("exp_avg", i, m[i], n[i]);
            checkList("exp_avg_sq", i, v[i], n[i]);
            if (vmax != null && vmax[i] != null) checkList("max_exp_avg_sq", i, vmax[i], n[i]);
        }
        float[] c = s.scalars();
        for (int from = 0; from < count; from += LIST) {
            int k = Math.min(LIST, count - from);
            long[] list = new long[1 + 6 * LIST]; // count, then n, p, g, m, v, vmax (each LIST long)
            list[0] = k;
            long most = 0;
            for (int j = 0; j < k; j++) {
                int i = from + j;
                list[1 + j] = n[i];
                list[1 + LIST + j] = p[i].address();
                list[1 + 2 * LIST + j] = g[i].address();
                list[1 + 3 * LIST + j] = m[i].address();
                list[1 + 4 * LIST + j] = v[i].address();
                list[1 + 5 * LIST + j] = vmax == null || vmax[i] == null ? 0 : vmax[i].address();
                most = Math.max(most, n[i]);
            }
            if (most == 0) continue;
            KernelArgs args = KernelArgs.of().struct(list);
            for (float x : c) args.f32(x);
            // at most LIST_BLOCKS blocks per tensor, striding over it: every tensor of the launch gets as many blocks as
            // the largest needs, and the small ones' blocks return at once
            Dim3 grid = new Dim3((int) Math.min((most + Launch.BLOCK - 1) / Launch.BLOCK, LIST_BLOCKS), k, 1);
            Launch.function(rt, SOURCE, "adam_list_v1").launch(grid, Dim3.of(Launch.BLOCK), 0, args.i32(s.flags()));
        }
    }

    /** Launch.check4 for operand i of a list, its name made only when the check fails (this runs every step). */
    private static void checkList(String operand, int i, DeviceBuffer b, long count) {
        if (b == null || b.byteSize() < 4 * count) Launch.check4("adam_list", operand + " " + i, b, count);
    }
}
