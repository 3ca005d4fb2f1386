package org.reformer4j.core.demo;

import java.util.List;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.cpu.VectorSupport;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.nn.Parameter;
import org.reformer4j.core.optim.Adam;

/**
 * A two-layer MLP that learns to tell apart the three arms of a spiral, through the public API only:
 * tensors, autograd, {@link Linear}, cross entropy, {@link Adam}, one {@link Scope} per step. Prints the
 * loss as it falls and the final accuracy (a linear model tops out near 50% on this data).
 */
public final class MlpDemo {
    private MlpDemo() {}

    public static void main(String[] args) {
        int perClass = 200, classes = 3, hidden = 64, steps = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        float[] xy = new float[perClass * classes * 2];
        long[] label = new long[perClass * classes];
        Tensor noise = Tensor.randn(new int[] {perClass * classes}, 42, 0, 0, DType.F32, Device.CPU);
        float[] nz = noise.toFloatArray();
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                int k = c * perClass + i;
                double r = (double) i / perClass;
                double t = c * 4.0 + 4.0 * r + 0.2 * nz[k];
                xy[2 * k] = (float) (r * Math.sin(t));
                xy[2 * k + 1] = (float) (r * Math.cos(t));
                label[k] = c;
            }
        }
        Tensor x = Tensor.of(xy, perClass * classes, 2);
        Tensor y = Tensor.of(label, perClass * classes);
        Linear l1 = new Linear(2, hidden), l2 = new Linear(hidden, classes);
        List<Parameter> params = new java.util.ArrayList<>(l1.parameters());
        params.addAll(l2.parameters());
        Adam opt = new Adam(params, 0.01);
        System.out.printf("reformer4j MLP demo: %d points, %d classes, 2 -> %d -> %d, Adam lr 0.01, Vector API %s%n",
                x.size(0), classes, hidden, classes, VectorSupport.ENABLED ? "on" : "off");
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            try (var s = Scope.open()) {
                opt.zeroGrad();
                Tensor logits = l2.forward(l1.forward(x).tanh());
                Tensor loss = Functional.crossEntropy(logits, y, -100);
                loss.backward();
                opt.step();
                if (step == 1 || step % 50 == 0) System.out.printf("step %4d  loss %.4f%n", step, loss.item());
            }
        }
        double acc;
        try (var s = Scope.open()) {
            Tensor pred = l2.forward(l1.forward(x).tanh()).argmax(1, false);
            acc = pred.eq(y).to(DType.F32).mean().item();
        }
        System.out.printf("accuracy %.1f%% after %d steps in %.2f s%n", 100 * acc, steps, (System.nanoTime() - t0) / 1e9);
    }
}
