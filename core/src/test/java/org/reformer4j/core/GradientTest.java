package org.reformer4j.core;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every differentiable op of the tensor library against finite differences in float64, including
 * broadcasting and non-contiguous (transposed, sliced, expanded) inputs.
 */
class GradientTest {
    private static Tensor r(long seed, int... shape) {
        return GradCheck.rand(seed, -1, 1, shape);
    }

    private static Tensor pos(long seed, int... shape) {
        return GradCheck.rand(seed, 0.5, 2, shape);
    }

    @Test
    void binaryWithBroadcasting() {
        GradCheck.check("add", x -> x[0].add(x[1]), r(1, 3, 4), r(2, 4));
        GradCheck.check("sub", x -> x[0].sub(x[1]), r(1, 3, 1), r(2, 1, 5));
        GradCheck.check("mul", x -> x[0].mul(x[1]), r(3, 2, 3, 4), r(4, 3, 1));
        GradCheck.check("div", x -> x[0].div(x[1]), r(5, 3, 4), pos(6, 4));
        GradCheck.check("pow", x -> x[0].pow(x[1]), pos(7, 3, 4), r(8, 3, 4));
        GradCheck.check("maximum", x -> x[0].maximum(x[1]), r(9, 3, 4), r(10, 3, 4));
        GradCheck.check("minimum", x -> x[0].minimum(x[1]), r(11, 3, 4), r(12, 4));
    }

    @Test
    void unaryFamily() {
        Tensor x = r(20, 3, 5);
        GradCheck.check("neg", a -> a[0].neg(), x);
        GradCheck.check("exp", a -> a[0].exp(), x);
        GradCheck.check("log", a -> a[0].log(), pos(21, 3, 5));
        GradCheck.check("sqrt", a -> a[0].sqrt(), pos(22, 3, 5));
        GradCheck.check("rsqrt", a -> a[0].rsqrt(), pos(23, 3, 5));
        GradCheck.check("abs", a -> a[0].abs(), x);
        GradCheck.check("tanh", a -> a[0].tanh(), x);
        GradCheck.check("sigmoid", a -> a[0].sigmoid(), x);
        GradCheck.check("relu", a -> a[0].relu(), x);
        GradCheck.check("gelu", a -> a[0].gelu(), x.mul(3));
        GradCheck.check("geluTanh", a -> a[0].geluTanh(), x.mul(3));
        GradCheck.check("leakyRelu", a -> a[0].leakyRelu(0.1), x);
        GradCheck.check("powScalar", a -> a[0].pow(2.5), pos(24, 3, 5));
        GradCheck.check("clamp", a -> a[0].clamp(-0.5, 0.5), x);
        GradCheck.check("scalars", a -> a[0].mul(3).add(2).rsub(1).div(4).sub(0.5), x);
        GradCheck.check("sin cos", a -> a[0].sin().add(a[0].cos()), x);
        GradCheck.check("square reciprocal", a -> a[0].square().add(a[0].reciprocal()), pos(25, 3, 5));
    }

    @Test
    void whereAndMaskedFill() {
        Tensor cond = r(30, 3, 4).gt(0.0);
        GradCheck.check("where", x -> Tensor.where(cond, x[0], x[1]), r(31, 3, 4), r(32, 4));
        GradCheck.check("maskedFill", x -> x[0].maskedFill(cond, -2.0), r(33, 3, 4));
    }

    @Test
    void reductions() {
        Tensor x = r(40, 2, 3, 4);
        GradCheck.check("sum all", a -> a[0].sum(), x);
        GradCheck.check("sum dims", a -> a[0].sum(new int[] {0, 2}, false), x);
        GradCheck.check("sum keep", a -> a[0].sum(1, true), x);
        GradCheck.check("mean", a -> a[0].mean(new int[] {-1}, true), x);
        GradCheck.check("max dim", a -> a[0].max(1, false).values(), x);
        GradCheck.check("min dim", a -> a[0].min(2, true).values(), x);
        GradCheck.check("max all", a -> a[0].max(), x);
        GradCheck.check("var", a -> a[0].var(new int[] {1, 2}, false, 1), x);
        GradCheck.check("var biased", a -> a[0].var(new int[] {0}, true, 0), x);
        GradCheck.check("logsumexp", a -> a[0].logsumexp(1, false), x);
        GradCheck.check("norm", a -> a[0].norm(new int[] {2}, true), x);
        GradCheck.check("softmax", a -> a[0].softmax(1), x);
        GradCheck.check("logSoftmax", a -> a[0].logSoftmax(-1), x);
        GradCheck.check("softmax on transposed", a -> a[0].transpose(0, 2).softmax(0), x);
    }

    @Test
    void viewsAndJoins() {
        Tensor x = r(50, 2, 3, 4);
        GradCheck.check("reshape", a -> a[0].reshape(4, -1).mul(a[0].reshape(4, 6)), x);
        GradCheck.check("permute", a -> a[0].permute(2, 0, 1).contiguous().reshape(-1), x);
        GradCheck.check("transpose reshape (copy)", a -> a[0].transpose(1, 2).reshape(2, 12), x);
        GradCheck.check("expand", a -> a[0].expand(5, 2, 3, 4), r(51, 1, 3, 4));
        GradCheck.check("narrow", a -> a[0].narrow(2, 1, 2), x);
        GradCheck.check("slice step", a -> a[0].slice(2, 0, 4, 2), x);
        GradCheck.check("select", a -> a[0].select(1, -1), x);
        GradCheck.check("unsqueeze squeeze", a -> a[0].unsqueeze(1).squeeze(1).unsqueeze(-1), x);
        GradCheck.check("split", a -> a[0].split(3, 2).get(1), x);
        GradCheck.check("chunk", a -> a[0].chunk(2, 1).get(0), x);
        GradCheck.check("cat", a -> Tensor.cat(List.of(a[0], a[1].transpose(0, 1)), 1), r(52, 2, 3), r(53, 2, 2));
        GradCheck.check("stack", a -> Tensor.stack(List.of(a[0], a[1]), 1), r(54, 2, 3), r(55, 2, 3));
        GradCheck.check("flatten", a -> a[0].flatten(1, 2), x);
        GradCheck.check("clone contiguous", a -> a[0].t().contiguous().clone(), r(56, 3, 4));
    }

    @Test
    void matmulForms() {
        GradCheck.check("mm", a -> a[0].matmul(a[1]), r(60, 3, 4), r(61, 4, 5));
        GradCheck.check("mm transposed operands", a -> a[0].t().matmul(a[1].t()), r(62, 4, 3), r(63, 5, 4));
        GradCheck.check("batched", a -> a[0].matmul(a[1]), r(64, 2, 3, 4), r(65, 2, 4, 5));
        GradCheck.check("broadcast batch", a -> a[0].matmul(a[1]), r(66, 2, 1, 3, 4), r(67, 3, 4, 2));
        GradCheck.check("nd x 2d", a -> a[0].matmul(a[1]), r(68, 2, 3, 4), r(69, 4, 5));
        GradCheck.check("vector", a -> a[0].matmul(a[1]), r(70, 4), r(71, 2, 4, 3));
        GradCheck.check("dot", a -> a[0].matmul(a[1]), r(72, 4), r(73, 4));
    }

    @Test
    void indexing() {
        Tensor idx = Tensor.of(new long[] {2, 0, 1, 1, 3, 0}, 2, 3);
        GradCheck.check("gather", a -> a[0].gather(1, idx), r(80, 2, 4));
        GradCheck.check("scatterAdd", a -> a[0].scatterAdd(1, idx, a[1]), r(81, 2, 4), r(82, 2, 3));
        Tensor sel = Tensor.of(new long[] {1, 1, 0, 2}, 4);
        GradCheck.check("indexSelect", a -> a[0].indexSelect(0, sel), r(83, 3, 2));
        GradCheck.check("indexSelect dim1", a -> a[0].indexSelect(1, sel), r(84, 2, 3));
        GradCheck.check("embedding", a -> Tensor.embedding(a[0], Tensor.of(new int[] {0, 2, 2, 1}, 2, 2)), r(85, 3, 4));
        GradCheck.check("sort values", a -> a[0].sort(1, true).values(), r(86, 3, 5));
        GradCheck.check("topk values", a -> a[0].topk(2, 0, true).values(), r(87, 4, 3));
    }

    @Test
    void nnFunctions() {
        GradCheck.check("layerNorm", a -> Functional.layerNorm(a[0], 1, a[1], a[2], 1e-5), r(90, 3, 6), r(91, 6), r(92, 6));
        GradCheck.check("layerNorm 2 dims no affine", a -> Functional.layerNorm(a[0], 2, null, null, 1e-5), r(93, 2, 3, 4));
        GradCheck.check("linear", a -> Functional.linear(a[0], a[1], a[2]), r(94, 2, 3, 4), r(95, 5, 4), r(96, 5));
        Tensor target = Tensor.of(new long[] {1, 0, 4, 2, 0, 3}, 2, 3);
        GradCheck.check("crossEntropy ignore 0", a -> Functional.crossEntropy(a[0], target, 0), r(97, 2, 3, 5));
        GradCheck.check("crossEntropy", a -> Functional.crossEntropy(a[0], target, -100), r(98, 2, 3, 5));
        GradCheck.check("dropout", a -> Functional.dropout(a[0], 0.3, 5, 1, 0), r(99, 4, 8));
    }

    @Test
    void float32ConversionIsDifferentiable() {
        GradCheck.check("to f32 and back", a -> a[0].to(DType.F32).mul(2).to(DType.F64), 1e-3, 1e-3, r(100, 3));
    }
}
