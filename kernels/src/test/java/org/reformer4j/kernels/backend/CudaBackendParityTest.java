package org.reformer4j.kernels.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reformer4j.core.DType;
import org.reformer4j.core.Device;
import org.reformer4j.core.Functional;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.ValuesIndices;
import org.reformer4j.core.nn.Linear;
import org.reformer4j.core.random.Generator;

/**
 * The core Tensor ops run on cuda:0 (the emulator here, the GPU where there is one) against the CPU backend:
 * each case builds its inputs on the CPU from a fixed seed, moves them to the device, runs the same ops
 * (broadcasting, non-contiguous views, every dtype the op takes, forward and backward) and compares every
 * output within float32 rounding (exactly for integers and bools).
 */
class CudaBackendParityTest {
    /** A case: runs on a device, returns the tensors to compare; tolerances relative and absolute. */
    record Case(String name, double rtol, double atol, Function<Device, List<Tensor>> run) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Standard normal float32 [shape] from seed, on d. */
    static Tensor in(Device d, long seed, int... shape) {
        return Cases.random(new Random(seed), DType.F32, shape).to(d);
    }

    static Tensor leaf(Device d, long seed, int... shape) {
        return in(d, seed, shape).requiresGrad(true);
    }

    static Tensor ints(Device d, long seed, DType dt, int... shape) {
        return Cases.random(new Random(seed), dt, shape).to(d);
    }

    static Case c(String name, Function<Device, List<Tensor>> run) {
        return new Case(name, 2e-5, 2e-6, run);
    }

    static Case c(String name, double rtol, double atol, Function<Device, List<Tensor>> run) {
        return new Case(name, rtol, atol, run);
    }

    /** y and the gradients of the leaves after y.backward(g) with a fixed random g. */
    static List<Tensor> withGrads(Device d, Tensor y, Tensor... leaves) {
        y.backward(in(d, 999, y.shape()));
        List<Tensor> out = new ArrayList<>(List.of(y.detach()));
        for (Tensor l : leaves) out.add(l.grad());
        return out;
    }

    static Stream<Case> cases() {
        return Stream.of(
            // ---- elementwise: broadcasting, views, dtypes ----
            c("add broadcast [3,1,5]+[4,1]", d -> List.of(in(d, 1, 3, 1, 5).add(in(d, 2, 4, 1)))),
            c("mul transposed", d -> List.of(in(d, 3, 4, 6).t().mul(in(d, 4, 6, 4)))),
            c("sub stepped slice", d -> List.of(in(d, 5, 7, 9).slice(1, 1, 9, 2).sub(in(d, 6, 4)))),
            c("div expand", d -> List.of(in(d, 7, 5, 3).div(in(d, 8, 3).abs().add(0.5)))),
            c("pow tensor", d -> List.of(in(d, 9, 6).abs().add(0.1).pow(in(d, 10, 6)))),
            c("maximum minimum", d -> List.of(in(d, 11, 3, 4).maximum(in(d, 12, 4)), in(d, 13, 2, 3).minimum(in(d, 14, 2, 1)))),
            c("unary family on a permuted view", d -> {
                Tensor x = in(d, 15, 3, 4, 5).permute(2, 0, 1);
                Tensor pos = x.abs().add(0.25);
                return List.of(x.exp(), pos.log(), pos.sqrt(), pos.rsqrt(), x.tanh(), x.sigmoid(), x.relu(),
                        x.gelu(), x.geluTanh(), x.leakyRelu(0.1), x.sin(), x.cos(), x.clamp(-0.5, 0.7),
                        pos.reciprocal(), x.square(), x.neg(), x.abs(), pos.pow(1.5), x.mul(3.0).add(1.0), x.rsub(2.0));
            }),
            c("comparisons, logical ops, where, maskedFill", d -> {
                Tensor a = in(d, 16, 4, 5), b = in(d, 17, 5);
                Tensor ia = ints(d, 18, DType.I64, 4, 5), ib = ints(d, 19, DType.I64, 5);
                Tensor m = a.gt(b), n = ia.le(ib);
                return List.of(m, a.lt(0.0), a.ge(b), ia.eq(ib), ia.ne(ib), n, m.logicalAnd(n), m.logicalOr(n),
                        m.logicalNot(), Tensor.where(m, a, b), Tensor.where(n, ia, ib), a.maskedFill(n, -7.5));
            }),
            c("integer arithmetic", d -> {
                Tensor a = ints(d, 20, DType.I64, 3, 7), b = ints(d, 21, DType.I64, 7);
                Tensor x = ints(d, 22, DType.I32, 7, 3).t(), y = ints(d, 23, DType.I32, 3, 7);
                return List.of(a.add(b), a.sub(b), a.mul(b), a.maximum(b), a.minimum(b), a.neg(), a.abs(),
                        a.mul(0.5), a.clamp(-3, 4), a.square(), x.add(y), x.mul(y), x.add(3.0), a.div(b.abs().add(1)));
            }),
            c("dtype conversions and copies", d -> {
                Tensor x = in(d, 24, 4, 6).mul(5.0);
                Tensor big = x.mul(1e10);
                return List.of(x.to(DType.I64), x.to(DType.I32), x.to(DType.F64), x.to(DType.BOOL),
                        x.to(DType.I64).to(DType.F32), x.gt(0.0).to(DType.F32), big.to(DType.I32), big.to(DType.I64),
                        x.t().contiguous(), x.t().to(DType.F64).t(), Tensor.cat(List.of(x, x.narrow(0, 1, 2)), 0),
                        Tensor.stack(List.of(x, x.mul(2.0)), 1));
            }),
            c("full, zeros, arange, in-place", d -> {
                Tensor z = Tensor.zeros(new int[] {3, 4}, DType.F32, d);
                z.narrow(1, 1, 2).fill(2.5);
                z.addInPlace(in(d, 25, 4), 2.0);
                z.mulInPlace(-0.5);
                Tensor w = Tensor.full(new int[] {2, 3}, 7, DType.I64, d);
                w.t().copyFrom(ints(d, 26, DType.I64, 3, 1));
                return List.of(z, w, Tensor.arange(0, 10, 3).to(d), Tensor.full(new int[] {5}, 1, DType.BOOL, d));
            }),
            // ---- reductions ----
            c("sum mean var norm logsumexp", d -> {
                Tensor x = in(d, 27, 5, 6, 7);
                return List.of(x.sum(), x.sum(1, false), x.sum(new int[] {0, 1}, true), x.mean(2, true),
                        x.mean(new int[] {0, 2}, false), x.var(new int[] {1}, false, 1), x.norm(new int[] {2}, true),
                        x.norm(), x.logsumexp(0, false), x.logsumexp(new int[] {1, 2}, true), x.transpose(0, 2).sum(0, false),
                        ints(d, 28, DType.I64, 4, 5).sum(1, false), ints(d, 29, DType.I32, 4, 5).sum());
            }),
            c("max min argmax with ties", d -> {
                Tensor x = in(d, 30, 6, 9).mul(2.0).to(DType.I64).to(DType.F32);  // many ties
                ValuesIndices mx = x.max(1, false), mn = x.min(0, true);
                return List.of(mx.values(), mx.indices(), mn.values(), mn.indices(), x.argmax(0, false),
                        x.argmin(1, true), x.max(), x.min(), ints(d, 31, DType.I32, 5, 4).max(1, false).values());
            }),
            c("reduction backward", d -> {
                Tensor x = leaf(d, 32, 4, 5, 3);
                Tensor y = x.sum(1, true).mul(x.max(2, true).values()).add(x.logsumexp(0, false).mean());
                return withGrads(d, y, x);
            }),
            // ---- fused rows ----
            c("softmax and logSoftmax, forward and backward", d -> {
                Tensor x = leaf(d, 33, 3, 40, 5), z = leaf(d, 34, 6, 600);
                Tensor y = x.softmax(1).mul(2.0).add(x.logSoftmax(2)).sum(2, false);
                Tensor w = z.softmax(-1).add(z.logSoftmax(-1).mul(0.01));
                List<Tensor> out = new ArrayList<>(withGrads(d, y, x));
                out.addAll(withGrads(d, w, z));
                return out;
            }),
            c("layerNorm forward and backward", 1e-4, 1e-5, d -> {
                Tensor x = leaf(d, 35, 4, 3, 16), w = leaf(d, 36, 16), b = leaf(d, 37, 16);
                Tensor x2 = leaf(d, 38, 5, 2, 8);
                Tensor y = Functional.layerNorm(x, 1, w, b, 1e-5);
                Tensor y2 = Functional.layerNorm(x2.transpose(0, 1), 2, null, null, 1e-5);
                List<Tensor> out = new ArrayList<>(withGrads(d, y, x, w, b));
                out.addAll(withGrads(d, y2, x2));
                return out;
            }),
            c("crossEntropy with ignore_index, forward and backward", 1e-4, 1e-6, d -> {
                Tensor logits = leaf(d, 39, 4, 5, 11);
                long[] t = new long[20];
                Random r = new Random(40);
                for (int i = 0; i < t.length; i++) t[i] = i % 6 == 0 ? -100 : r.nextInt(11);
                Tensor loss = Functional.crossEntropy(logits, Tensor.of(t, 4, 5).to(d), -100);
                loss.backward();
                return List.of(loss.detach(), logits.grad());
            }),
            // ---- matmul ----
            c("matmul 2-D, transposed operands, vectors", 1e-4, 1e-5, d -> {
                Tensor a = in(d, 41, 7, 5), b = in(d, 42, 5, 9), bt = in(d, 43, 9, 5), at = in(d, 44, 5, 7);
                Tensor v = in(d, 45, 5);
                return List.of(a.matmul(b), a.matmul(bt.t()), at.t().matmul(b), at.t().matmul(bt.t()), a.matmul(v),
                        v.matmul(b), v.matmul(v), a.slice(1, 0, 5, 2).matmul(b.slice(0, 0, 5, 2)),
                        a.narrow(0, 3, 4).matmul(b.narrow(1, 5, 4)));
            }),
            c("matmul batched, broadcast batch, N-D x 2-D, backward", 1e-4, 1e-5, d -> {
                Tensor a = leaf(d, 46, 2, 3, 4, 6), b = leaf(d, 47, 3, 6, 5), w = leaf(d, 48, 5, 6);
                Tensor y = a.matmul(b).add(a.matmul(w.t()).transpose(-1, -2).sum(-1, true).transpose(-1, -2));
                Tensor q = in(d, 49, 4, 3, 6).transpose(0, 1).matmul(in(d, 50, 3, 5, 6).transpose(1, 2));
                List<Tensor> out = new ArrayList<>(withGrads(d, y, a, b, w));
                out.add(q);
                out.add(in(d, 51, 2, 3, 4).to(DType.F64).matmul(in(d, 52, 2, 4, 3).to(DType.F64)));
                return out;
            }),
            // ---- indexing ----
            c("gather scatterAdd indexSelect embedding oneHot", d -> {
                Random r = new Random(53);
                Tensor src = leaf(d, 54, 4, 6, 5);
                Tensor gi = Cases.indices(r, 6, DType.I64, 4, 3, 5).to(d);
                Tensor si = Cases.indices(r, 5, DType.I32, 6).to(d);
                Tensor ids = Cases.indices(r, 10, DType.I64, 3, 4).to(d);
                Tensor table = leaf(d, 55, 10, 7);
                Tensor g = src.gather(1, gi);
                Tensor s = src.indexSelect(2, si);
                Tensor e = Tensor.embedding(table, ids);
                Tensor y = g.sum().add(s.mul(s).sum()).add(e.mul(in(d, 56, 3, 4, 7)).sum());
                y.backward();
                Tensor scat = Tensor.zeros(new int[] {4, 6, 5}, DType.F32, d).scatterAdd(1, gi, in(d, 57, 4, 3, 5));
                Tensor intScat = Tensor.zeros(new int[] {3, 10}, DType.I64, d).scatterAdd(1, ids, ints(d, 58, DType.I64, 3, 4));
                return List.of(g, s, e, src.grad(), table.grad(), scat, intScat, ids.oneHot(10),
                        ints(d, 59, DType.I32, 6, 3).indexSelect(0, si), src.transpose(0, 2).gather(1, gi.transpose(0, 2)));
            }),
            c("sort argsort topk, ties and both orders", d -> {
                Tensor x = in(d, 60, 5, 37).mul(2.0).to(DType.I64).to(DType.F32);
                ValuesIndices up = x.sort(1, false), down = x.sort(0, true), top = x.topk(4, 1, true), low = x.topk(3, 0, false);
                Tensor iv = ints(d, 61, DType.I64, 3, 9);
                return List.of(up.values(), up.indices(), down.values(), down.indices(), top.values(), top.indices(),
                        low.values(), low.indices(), x.argsort(1, true), iv.sort(1, false).values(),
                        iv.sort(1, false).indices(), in(d, 62, 2, 1000).sort(1, true).indices());
            }),
            // ---- random ----
            c("rand randn dropout: the CPU generator's numbers", 1e-6, 1e-7, d -> List.of(
                    Tensor.rand(new int[] {3, 33}, 42, 7, 5, DType.F32, d),
                    Tensor.randn(new int[] {101}, 0xDEADBEEFL, 1, 0, DType.F32, d),
                    Functional.dropout(in(d, 63, 6, 10), 0.3, 9, 2, 11)))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameAsTheCpu(Case c) {
        Device cuda = Cases.cuda();
        List<Tensor> want = c.run().apply(Device.CPU), got = c.run().apply(cuda);
        for (int i = 0; i < want.size(); i++) {
            org.junit.jupiter.api.Assertions.assertEquals(cuda, got.get(i).device(), c.name() + " output " + i + " device");
            Cases.close(c.name() + " output " + i, want.get(i), got.get(i), c.rtol(), c.atol());
        }
    }

    /**
     * A tiny MLP of core.nn Linear layers (Linear 12->16, GELU, LayerNorm-free Linear 16->5, cross entropy):
     * the layers are built on the CPU, their parameters copied to the device as leaves (a Module has no
     * to(device)), and forward loss and every parameter gradient must match the CPU's.
     */
    @org.junit.jupiter.api.Test
    void tinyMlpForwardAndBackward() {
        Device cuda = Cases.cuda();
        Generator g = new Generator(2024, 0);
        Linear l1 = new Linear(12, 16, true, DType.F32, g), l2 = new Linear(16, 5, true, DType.F32, g);
        Tensor x = Cases.random(new Random(70), DType.F32, 9, 12);
        Tensor target = Tensor.of(new long[] {0, 4, 2, 2, 1, 3, 0, -1, 4}, 9);
        List<Tensor> want = mlp(Device.CPU, l1, l2, x, target), got = mlp(cuda, l1, l2, x, target);
        String[] names = {"loss", "W1.grad", "b1.grad", "W2.grad", "b2.grad", "hidden"};
        for (int i = 0; i < want.size(); i++) Cases.close("mlp " + names[i], want.get(i), got.get(i), 1e-4, 1e-6);
    }

    private static List<Tensor> mlp(Device d, Linear l1, Linear l2, Tensor x, Tensor target) {
        Tensor w1 = l1.weight().tensor().detach().to(d).requiresGrad(true), b1 = l1.bias().tensor().detach().to(d).requiresGrad(true);
        Tensor w2 = l2.weight().tensor().detach().to(d).requiresGrad(true), b2 = l2.bias().tensor().detach().to(d).requiresGrad(true);
        Tensor h = Functional.linear(x.to(d), w1, b1).gelu();
        Tensor loss = Functional.crossEntropy(Functional.linear(h, w2, b2), target.to(d), -1);
        loss.backward();
        return List.of(loss.detach(), w1.grad(), b1.grad(), w2.grad(), b2.grad(), h.detach());
    }

    /** float64 where the device kernels are float32 only is refused, naming the op and the dtype. */
    @org.junit.jupiter.api.Test
    void float64WithoutAKernelIsAClearError() {
        Device cuda = Cases.cuda();
        Tensor x = Cases.random(new Random(71), DType.F64, 3, 4).to(cuda);
        var e = org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> x.softmax(1));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("float64"), e.getMessage());
        var r = org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> Tensor.randn(new int[] {4}, 1, 0, 0, DType.F64, cuda));
        org.junit.jupiter.api.Assertions.assertTrue(r.getMessage().contains("randn") && r.getMessage().contains("float64"), r.getMessage());
        // float64 elementwise, reductions, matmul, indexing and sorting do run on the device
        Cases.close("f64 chain", chainF64(Cases.random(new Random(71), DType.F64, 3, 4)), chainF64(x), 1e-12, 1e-12);
    }

    private static Tensor chainF64(Tensor x) {
        return x.exp().matmul(x.t()).sum(0, false).add(x.sort(1, true).values().sum(1, false).max());
    }
}
