package org.reformer4j.core;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks on random shapes: random ranks and sizes, random broadcasting patterns, random
 * reduction dims, and inputs made non-contiguous (a transposed or sliced view of a larger tensor). Seeded,
 * and bounded to a fixed number of cases so the suite stays fast.
 */
class RandomShapesGradientTest {
    private static final int CASES = 25;

    private static int[] randomShape(SplittableRandom rnd, int rank) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + rnd.nextInt(4);
        return s;
    }

    /** A tensor of the given shape that is a non-contiguous view (transpose of a transpose, or a slice). */
    private static Tensor strided(SplittableRandom rnd, long seed, int[] shape) {
        int r = shape.length;
        if (r >= 2 && rnd.nextBoolean()) {
            int[] t = shape.clone();
            int tmp = t[0];
            t[0] = t[r - 1];
            t[r - 1] = tmp;
            return GradCheck.rand(seed, -1, 1, t).transpose(0, r - 1);
        }
        int[] wide = shape.clone();
        if (r > 0) wide[r - 1] = shape[r - 1] * 2;
        Tensor big = GradCheck.rand(seed, -1, 1, wide);
        return r > 0 ? big.slice(r - 1, 0, wide[r - 1], 2) : big;
    }

    /** A shape broadcastable to {@code shape}: some dims set to 1, some leading dims dropped. */
    private static int[] broadcastable(SplittableRandom rnd, int[] shape) {
        int drop = rnd.nextInt(shape.length + 1);
        int[] s = new int[shape.length - drop];
        for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(3) == 0 ? 1 : shape[i + drop];
        return s;
    }

    @Test
    void binaryOpsUnderRandomBroadcasting() {
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int c = 0; c < CASES; c++) {
            int[] shape = randomShape(rnd, 1 + rnd.nextInt(4));
            int[] other = broadcastable(rnd, shape);
            Tensor a = strided(rnd, 10L * c, shape);
            Tensor b = GradCheck.rand(10L * c + 1, 0.5, 1.5, other);
            String what = "case " + c + " " + Shape.str(shape) + " with " + Shape.str(other);
            Function<Tensor[], Tensor> f = switch (c % 4) {
                case 0 -> x -> x[0].add(x[1]);
                case 1 -> x -> x[0].mul(x[1]).sub(x[1]);
                case 2 -> x -> x[0].div(x[1]);
                default -> x -> Tensor.where(x[0].gt(0.0), x[0], x[1]);
            };
            GradCheck.check(what, f, a, b);
        }
    }

    @Test
    void reductionsOverRandomDims() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int c = 0; c < CASES; c++) {
            int rank = 1 + rnd.nextInt(4);
            int[] shape = randomShape(rnd, rank);
            Tensor a = strided(rnd, 100L + c, shape);
            int nd = 1 + rnd.nextInt(rank);
            int[] dims = rnd.ints(0, rank).distinct().limit(nd).toArray();
            boolean keep = rnd.nextBoolean();
            String what = "case " + c + " " + Shape.str(shape) + " dims " + java.util.Arrays.toString(dims) + " keep " + keep;
            Function<Tensor[], Tensor> f = switch (c % 5) {
                case 0 -> x -> x[0].sum(dims, keep);
                case 1 -> x -> x[0].mean(dims, keep);
                case 2 -> x -> x[0].logsumexp(dims, keep);
                case 3 -> x -> x[0].norm(dims, keep);
                default -> x -> x[0].softmax(dims[0]);
            };
            GradCheck.check(what, f, a);
        }
    }

    @Test
    void matmulOnRandomBatchedShapes() {
        SplittableRandom rnd = new SplittableRandom(99);
        for (int c = 0; c < CASES; c++) {
            int m = 1 + rnd.nextInt(4), k = 1 + rnd.nextInt(4), n = 1 + rnd.nextInt(4);
            int[] batch = randomShape(rnd, rnd.nextInt(3));
            int[] batchB = broadcastable(rnd, batch);
            Tensor a = strided(rnd, 300L + c, Shape.concat(batch, new int[] {m, k}));
            Tensor b = strided(rnd, 400L + c, Shape.concat(batchB, new int[] {k, n}));
            GradCheck.check("case " + c + " " + Shape.str(a.shape()) + " @ " + Shape.str(b.shape()), x -> x[0].matmul(x[1]), a, b);
        }
    }
}
