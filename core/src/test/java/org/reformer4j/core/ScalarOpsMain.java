package org.reformer4j.core;

/**
 * Runs every float32 CPU kernel family once on a [5, 37] tensor and compares each with its float64 twin; run
 * by {@link ScalarFallbackTest} in a JVM without the Vector API module, where each must take its scalar loop
 * (and never touch a class that needs {@code jdk.incubator.vector}). Prints "ok" or the first mismatch.
 */
public final class ScalarOpsMain {
    private ScalarOpsMain() {}

    public static void main(String[] args) {
        Tensor x = Tensor.randn(new int[] {5, 37}, 7, 0, 0, DType.F32, Device.CPU), y = Tensor.randn(new int[] {5, 37}, 8, 0, 0, DType.F32, Device.CPU);
        Tensor pos = x.abs().add(0.5), w = Tensor.ones(37), b = Tensor.zeros(37);
        java.util.function.Function<Tensor, Tensor>[] ops = ops(y, w, b);
        String[] names = {"exp", "log", "tanh", "sigmoid", "gelu", "geluTanh", "sqrt", "rsqrt", "abs", "leakyRelu", "clamp", "pow2", "pow1.5",
            "softmax", "logSoftmax", "layerNorm", "gt", "where", "maximum", "add"};
        for (int i = 0; i < ops.length; i++) {
            Tensor in = names[i].equals("log") || names[i].startsWith("pow") || names[i].equals("sqrt") || names[i].equals("rsqrt") ? pos : x;
            double[] f32 = ops[i].apply(in).to(DType.F64).toDoubleArray();
            double[] f64 = ops[i].apply(in.to(DType.F64)).to(DType.F64).toDoubleArray();
            for (int j = 0; j < f32.length; j++) {
                if (Math.abs(f32[j] - f64[j]) > 1e-5 * (1 + Math.abs(f64[j]))) {
                    System.out.println(names[i] + " element " + j + ": float32 " + f32[j] + ", float64 " + f64[j]);
                    System.exit(1);
                }
            }
        }
        System.out.println("ok");
    }

    @SuppressWarnings("unchecked")
    private static java.util.function.Function<Tensor, Tensor>[] ops(Tensor y, Tensor w, Tensor b) {
        return new java.util.function.Function[] {
            t -> ((Tensor) t).exp(), t -> ((Tensor) t).log(), t -> ((Tensor) t).tanh(), t -> ((Tensor) t).sigmoid(), t -> ((Tensor) t).gelu(),
            t -> ((Tensor) t).geluTanh(), t -> ((Tensor) t).sqrt(), t -> ((Tensor) t).rsqrt(), t -> ((Tensor) t).abs(),
            t -> ((Tensor) t).leakyRelu(0.1), t -> ((Tensor) t).clamp(-0.5, 0.5), t -> ((Tensor) t).pow(2), t -> ((Tensor) t).pow(1.5),
            t -> ((Tensor) t).softmax(-1), t -> ((Tensor) t).logSoftmax(-1),
            t -> Functional.layerNorm((Tensor) t, 1, w.to(((Tensor) t).dtype()), b.to(((Tensor) t).dtype()), 1e-5),
            t -> ((Tensor) t).gt(y.to(((Tensor) t).dtype())), t -> Tensor.where(((Tensor) t).gt(0.0), (Tensor) t, y.to(((Tensor) t).dtype())),
            t -> ((Tensor) t).maximum(y.to(((Tensor) t).dtype())), t -> ((Tensor) t).add(y.to(((Tensor) t).dtype()))
        };
    }
}
