package org.reformer4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.nn.Parameter;

/**
 * SGD, Adam and AdamW over several steps on float64 parameters against the textbook recurrences written
 * here independently (torch's documented algorithms; Adam in the m-hat / v-hat form), plus float32 against
 * the same recurrence within float32 rounding, schedules, skipped parameters and clipping.
 */
class OptimizersTest {
    private static final int N = 7, STEPS = 6;

    /** Gradients for step s: a fixed pseudo-random sequence. */
    private static double[][] grads(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] g = new double[STEPS][N];
        for (double[] row : g) for (int i = 0; i < N; i++) row[i] = r.nextDouble(-2, 2);
        return g;
    }

    private static double[] start() {
        double[] p = new double[N];
        for (int i = 0; i < N; i++) p[i] = 0.3 * i - 1;
        return p;
    }

    private static void setGrad(Parameter p, double[] g) {
        p.tensor().setGrad(Tensor.of(g.clone(), N));
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " element " + i);
        }
    }

    @Test
    void sgdVariantsMatchTheRecurrence() {
        double[][] g = grads(1);
        double[][] settings = {{0, 0, 0, 0}, {0.9, 0, 0, 0}, {0.9, 0.1, 0.01, 0}, {0.8, 0, 0.05, 1}};
        for (double[] s : settings) {
            double mu = s[0], damp = s[1], wd = s[2];
            boolean nesterov = s[3] == 1;
            double lr = 0.05;
            Parameter p = new Parameter(Tensor.of(start(), N));
            SGD opt = new SGD(List.of(p), lr, mu, damp, wd, nesterov);
            double[] x = start(), buf = new double[N];
            for (int t = 0; t < STEPS; t++) {
                setGrad(p, g[t]);
                opt.step();
                for (int i = 0; i < N; i++) {
                    double d = g[t][i] + wd * x[i];
                    if (mu != 0) {
                        buf[i] = t == 0 ? d : mu * buf[i] + (1 - damp) * d;
                        d = nesterov ? d + mu * buf[i] : buf[i];
                    }
                    x[i] -= lr * d;
                }
                assertClose(x, p.tensor().toDoubleArray(), 1e-14, "SGD " + java.util.Arrays.toString(s) + " step " + t);
            }
        }
    }

    /** Adam/AdamW in the paper's form: m-hat = m / (1 - b1^t), v-hat = v / (1 - b2^t), lr m-hat / (sqrt(v-hat) + eps). */
    private static double[] adamReference(double[][] g, double lr, double b1, double b2, double eps, double wd,
                                          boolean decoupled, boolean amsgrad) {
        double[] x = start(), m = new double[N], v = new double[N], vmax = new double[N];
        for (int t = 1; t <= STEPS; t++) {
            for (int i = 0; i < N; i++) {
                double gi = g[t - 1][i];
                if (decoupled) x[i] -= lr * wd * x[i];
                else gi += wd * x[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                vmax[i] = Math.max(vmax[i], v[i]);
                double mhat = m[i] / (1 - Math.pow(b1, t));
                double vhat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(b2, t));
                x[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
            }
        }
        return x;
    }

    @Test
    void adamAndAdamWMatchTheRecurrence() {
        double[][] g = grads(2);
        for (boolean decoupled : new boolean[] {false, true}) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                for (double wd : new double[] {0, 0.1}) {
                    Parameter p = new Parameter(Tensor.of(start(), N));
                    Adam opt = decoupled ? new AdamW(List.of(p), 0.01, 0.8, 0.95, 1e-6, wd, amsgrad)
                            : new Adam(List.of(p), 0.01, 0.8, 0.95, 1e-6, wd, amsgrad);
                    for (int t = 0; t < STEPS; t++) {
                        setGrad(p, g[t]);
                        opt.step();
                    }
                    String what = (decoupled ? "AdamW" : "Adam") + " amsgrad=" + amsgrad + " wd=" + wd;
                    assertClose(adamReference(g, 0.01, 0.8, 0.95, 1e-6, wd, decoupled, amsgrad),
                            p.tensor().toDoubleArray(), 1e-13, what);
                    assertEquals(STEPS, opt.parameterSteps(p));
                }
            }
        }
    }

    @Test
    void float32AdamStaysWithinRoundingOfTheFloat64Recurrence() {
        double[][] g = grads(3);
        float[] s = new float[N];
        double[] s64 = start();
        for (int i = 0; i < N; i++) s[i] = (float) s64[i];
        Parameter p = new Parameter(Tensor.of(s, N));
        AdamW opt = new AdamW(List.of(p), 1e-3);
        for (int t = 0; t < STEPS; t++) {
            float[] gf = new float[N];
            for (int i = 0; i < N; i++) gf[i] = (float) g[t][i];
            p.tensor().setGrad(Tensor.of(gf, N));
            opt.step();
        }
        assertClose(adamReference(g, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, false), p.tensor().toDoubleArray(), 1e-6,
                "float32 AdamW");
    }

    @Test
    void scheduleDrivesTheLearningRate() {
        Parameter p = new Parameter(Tensor.of(new double[] {0}, 1));
        SGD opt = new SGD(List.of(p), 0.1);
        opt.schedule(LrSchedule.linearWithWarmup(2, 6));
        double[] expectedLr = {0, 0.05, 0.1, 0.075, 0.05, 0.025, 0};
        double x = 0;
        for (int t = 0; t < expectedLr.length; t++) {
            assertEquals(expectedLr[t], opt.currentLr(), 1e-15, "lr before step " + t);
            p.tensor().setGrad(Tensor.of(new double[] {1}, 1));
            opt.step();
            x -= expectedLr[t];
            assertEquals(x, p.tensor().item(), 1e-15);
        }
        assertEquals(7, opt.stepCount());
    }

    @Test
    void parametersWithoutGradientsAreSkipped() {
        Parameter a = new Parameter(Tensor.of(new double[] {1, 2}, 2)), b = new Parameter(Tensor.of(new double[] {3}, 1));
        Adam opt = new Adam(List.of(a, b), 0.1);
        a.tensor().setGrad(Tensor.of(new double[] {1, -1}, 2));
        opt.step();
        assertEquals(3.0, b.tensor().item());
        assertEquals(0, opt.parameterSteps(b));
        assertEquals(1, opt.parameterSteps(a));
        assertClose(new double[] {0.9, 2.1}, a.tensor().toDoubleArray(), 1e-7, "first Adam step is lr * sign(g)");
        opt.zeroGrad();
        assertNull(a.grad());
    }

    @Test
    void clipGradNormScalesEveryGradient() {
        Parameter a = new Parameter(Tensor.of(new float[] {0, 0}, 2)), b = new Parameter(Tensor.of(new float[] {0}, 1));
        Parameter none = new Parameter(Tensor.of(new float[] {0}, 1));
        a.tensor().setGrad(Tensor.of(new float[] {3, 0}, 2));
        b.tensor().setGrad(Tensor.of(new float[] {4}, 1));
        double total = ClipGrad.clipGradNorm(List.of(a, b, none), 1.0);
        assertEquals(5.0, total, 1e-12);
        double coef = 1.0 / (5.0 + 1e-6);
        assertEquals(3 * coef, a.grad().toDoubleArray()[0], 1e-6);
        assertEquals(4 * coef, b.grad().item(), 1e-6);
        double again = ClipGrad.clipGradNorm(List.of(a, b), 10.0);
        assertEquals(1.0, again, 1e-6);
        assertEquals(4 * coef, b.grad().item(), 1e-7, "below the limit nothing changes");
        double inf = ClipGrad.clipGradNorm(List.of(a, b), 0.4, Double.POSITIVE_INFINITY, false);
        assertEquals(4 * coef, inf, 1e-6);
        assertEquals(0.4, b.grad().item(), 1e-6);
        b.tensor().setGrad(Tensor.of(new float[] {Float.NaN}, 1));
        var e = assertThrows(IllegalStateException.class, () -> ClipGrad.clipGradNorm(List.of(a, b), 1, 2, true));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void stateDictResumesTrainingExactly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        double[][] g = grads(4);
        for (int kind = 0; kind < 3; kind++) {
            Parameter a = new Parameter(Tensor.of(start(), N)), none = new Parameter(Tensor.zeros(2));
            Optimizer opt = optimizer(kind, List.of(a, none));
            for (int t = 0; t < 3; t++) {
                setGrad(a, g[t]);
                opt.step();
            }
            java.nio.file.Path f = dir.resolve("opt" + kind + ".safetensors");
            org.reformer4j.core.nn.StateDicts.write(opt.stateDict(), f, null);
            Parameter b = new Parameter(a.tensor()), none2 = new Parameter(Tensor.zeros(2));
            Optimizer resumed = optimizer(kind, List.of(b, none2));
            resumed.loadStateDict(org.reformer4j.core.nn.StateDicts.read(f));
            assertEquals(3, resumed.stepCount());
            for (int t = 3; t < STEPS; t++) {
                setGrad(a, g[t]);
                setGrad(b, g[t]);
                opt.step();
                resumed.step();
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.tensor().toDoubleArray(), b.tensor().toDoubleArray(),
                    "optimizer kind " + kind);
        }
        Optimizer adam = optimizer(1, List.of(new Parameter(Tensor.zeros(3))));
        var bad = assertThrows(IllegalArgumentException.class, () -> adam.loadStateDict(java.util.Map.of(
                "steps", Tensor.of(new long[] {1}), "param.0.exp_avg", Tensor.zeros(5))));
        assertTrue(bad.getMessage().contains("5 elements"), bad.getMessage());
    }

    private static Optimizer optimizer(int kind, List<Parameter> ps) {
        return switch (kind) {
            case 0 -> new SGD(ps, 0.1, 0.9, 0, 0.01, true);
            case 1 -> new Adam(ps, 0.01, 0.9, 0.99, 1e-8, 0, true);
            default -> new AdamW(ps, 0.01).schedule(LrSchedule.cosineWithWarmup(1, 6));
        };
    }

    @Test
    void badSettingsAreRefused() {
        Parameter p = new Parameter(Tensor.zeros(2));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, p), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -1));
        var n = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0, 0, 0, true));
        assertTrue(n.getMessage().contains("Nesterov"), n.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), 0.1, 1.0, 0.999, 1e-8, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), 0.1, 0.9, 0.999, -1, 0, false));
        p.tensor().setGrad(Tensor.zeros(3));
        var shape = assertThrows(IllegalStateException.class, () -> new SGD(List.of(p), 0.1).step());
        assertTrue(shape.getMessage().contains("[3]") && shape.getMessage().contains("[2]"), shape.getMessage());
    }
}
