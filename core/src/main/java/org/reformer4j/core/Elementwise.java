package org.reformer4j.core;

/**
 * Elementwise ops with numpy broadcasting, and their gradients (torch semantics: gradients of broadcast
 * operands are summed back to the operand's shape). Mixed dtypes compute in the promoted type.
 */
final class Elementwise {
    private Elementwise() {}

    static Tensor unary(UnaryOp op, double p, Tensor x) {
        if (!x.dtype().isFloating() && op != UnaryOp.NEG && op != UnaryOp.ABS && op != UnaryOp.ADD_SCALAR
                && op != UnaryOp.MUL_SCALAR && op != UnaryOp.RSUB_SCALAR && op != UnaryOp.SQUARE
                && op != UnaryOp.CLAMP_MIN && op != UnaryOp.CLAMP_MAX) {
            x = x.to(DType.F32);
        }
        if (x.dtype() == DType.BOOL) x = x.to(DType.I64);
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        x.backend().unary(op, p, x, out);
        // keep for backward only the operand or result its rule reads (none for the scalar affine ops)
        final Tensor in = readsInput(op) ? x : null, res = readsOutput(op) ? out : null;
        return out.record(op.name().toLowerCase(), g -> new Tensor[] {unaryBackward(op, p, in, res, g)}, x);
    }

    /**
     * min(max(x, lo), hi) in one op (one pass on the CPU): the values of clamp_min then clamp_max, and their
     * gradient, g where lo <= x <= hi, else 0 (NaN: 0).
     */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (x.dtype() == DType.BOOL) x = x.to(DType.I64);
        Tensor out = Tensor.empty(x.shape(), x.dtype(), x.device());
        x.backend().clamp(x, lo, hi, out);
        final Tensor in = x;
        return out.record("clamp", g -> {
            Tensor zero = Constants.of(0, g.dtype(), g.device());
            return new Tensor[] {Tensor.where(in.ge(lo), Tensor.where(in.le(hi), g, zero), zero)};
        }, x);
    }

    /** Whether {@link #unaryBackward} reads the result y. */
    private static boolean readsOutput(UnaryOp op) {
        return switch (op) {
            case EXP, SQRT, RSQRT, TANH, SIGMOID, RECIPROCAL -> true;
            default -> false;
        };
    }

    /** Whether {@link #unaryBackward} reads the operand x. */
    private static boolean readsInput(UnaryOp op) {
        return switch (op) {
            case NEG, ADD_SCALAR, MUL_SCALAR, RSUB_SCALAR, SIGN, LOGICAL_NOT -> false;
            default -> !readsOutput(op);
        };
    }

    /** d op(x) / dx times g. */
    private static Tensor unaryBackward(UnaryOp op, double p, Tensor x, Tensor y, Tensor g) {
        return switch (op) {
            case NEG -> g.neg();
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case SQRT -> g.div(y.mul(2.0));
            case RSQRT -> g.mul(y.pow(3.0)).mul(-0.5);
            case ABS, SIGN -> op == UnaryOp.SIGN ? g.mul(0.0) : g.mul(unary(UnaryOp.SIGN, 0, x));
            case TANH -> binaryRaw(BinaryOp.TANH_BACKWARD, g, y);
            case SIGMOID -> binaryRaw(BinaryOp.SIGMOID_BACKWARD, g, y);
            case RELU -> binaryRaw(BinaryOp.RELU_BACKWARD, g, x);
            case GELU -> binaryRaw(BinaryOp.GELU_BACKWARD, g, x);
            case GELU_TANH -> binaryRaw(BinaryOp.GELU_TANH_BACKWARD, g, x);
            case LEAKY_RELU -> Tensor.where(x.gt(0.0), g, g.mul(p));
            case SIN -> g.mul(x.cos());
            case COS -> g.mul(x.sin()).neg();
            case ERF -> g.mul(x.square().neg().exp().mul(2.0 / Math.sqrt(Math.PI)));
            case POW_SCALAR -> p == 0 ? g.mul(0.0) : g.mul(x.pow(p - 1).mul(p));
            case ADD_SCALAR -> g;
            case MUL_SCALAR -> g.mul(p);
            case RSUB_SCALAR -> g.neg();
            case CLAMP_MIN -> Tensor.where(x.ge(p), g, g.mul(0.0));
            case CLAMP_MAX -> Tensor.where(x.le(p), g, g.mul(0.0));
            case RECIPROCAL -> g.mul(y.square()).neg();
            case SQUARE -> g.mul(x).mul(2.0);
            case LOGICAL_NOT -> null;
        };
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        DType dt = DType.promote(a.dtype(), b.dtype());
        if (dt == DType.BOOL) dt = DType.I64;
        if ((op == BinaryOp.DIV || op == BinaryOp.POW) && !dt.isFloating()) dt = DType.F32;
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        checkDevices(op, a2, b2);
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a2.shape(), b2.shape());
        Tensor out = Tensor.empty(shape, dt, a2.device());
        a2.backend().binary(op, a2.expand(shape), b2.expand(shape), out);
        if (op == BinaryOp.ADD || op == BinaryOp.SUB) {
            // the gradient needs only the operands' shapes: keep no operand or result alive for it
            int[] as = a2.shape(), bs = b2.shape();
            boolean bGrad = b2.gradFn() != null;
            Tensor bLeaf = bGrad ? null : b2;
            return out.record(op.name().toLowerCase(), g -> new Tensor[] {
                sumToShape(g, as), op == BinaryOp.ADD ? sumToShape(g, bs) : bGrad || bLeaf.requiresGrad() ? sumToShape(g.neg(), bs) : null
            }, a2, b2);
        }
        return out.record(op.name().toLowerCase(), g -> binaryBackward(op, a2, b2, out, g), a2, b2);
    }

    private static Tensor[] binaryBackward(BinaryOp op, Tensor a, Tensor b, Tensor y, Tensor g) {
        Tensor ga = null, gb = null;
        switch (op) {
            case ADD -> {
                ga = g;
                gb = g;
            }
            case SUB -> {
                ga = g;
                gb = b.requiresGrad() ? g.neg() : null;
            }
            case MUL -> {
                ga = a.requiresGrad() ? g.mul(b) : null;
                gb = b.requiresGrad() ? g.mul(a) : null;
            }
            case DIV -> {
                ga = a.requiresGrad() ? g.div(b) : null;
                gb = b.requiresGrad() ? g.mul(y).div(b).neg() : null;
            }
            case POW -> {
                ga = a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1.0))) : null;
                gb = b.requiresGrad() ? g.mul(y).mul(a.log()) : null;
            }
            case MAXIMUM, MINIMUM -> {
                // ties split the gradient evenly, as torch does
                Tensor aWins = op == BinaryOp.MAXIMUM ? a.gt(b) : a.lt(b);
                Tensor tie = a.eq(b);
                Tensor wa = aWins.to(g.dtype()).add(tie.to(g.dtype()).mul(0.5));
                ga = a.requiresGrad() ? g.mul(wa) : null;
                gb = b.requiresGrad() ? g.mul(wa.rsub(1.0)) : null;
            }
            default -> throw new IllegalStateException(op + " has no gradient");
        }
        return new Tensor[] {
            ga == null ? null : sumToShape(ga, a.shape()), gb == null ? null : sumToShape(gb, b.shape())
        };
    }

    /** Gradient helper kernels (no graph): out = op(a, b) broadcast. */
    static Tensor binaryRaw(BinaryOp op, Tensor a, Tensor b) {
        DType dt = DType.promote(a.dtype(), b.dtype());
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a2.shape(), b2.shape());
        Tensor out = Tensor.empty(shape, dt, a2.device());
        a2.backend().binary(op, a2.expand(shape), b2.expand(shape), out);
        return out;
    }

    /** Sums a broadcast gradient back to {@code shape} (leading dims removed, stretched dims summed). */
    static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (java.util.Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int[] dims = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[n++] = i;
        }
        Tensor r = n == 0 ? g : g.sum(java.util.Arrays.copyOf(dims, n), true);
        return r.reshape(shape);
    }

    static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        DType dt = DType.promote(a.dtype(), b.dtype());
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        checkDevices(op, a2, b2);
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a2.shape(), b2.shape());
        Tensor out = Tensor.empty(shape, DType.BOOL, a2.device());
        a2.backend().binary(op, a2.expand(shape), b2.expand(shape), out);
        return out;
    }

    static Tensor logicalNot(Tensor a) {
        Tensor out = Tensor.empty(a.shape(), DType.BOOL, a.device());
        a.backend().unary(UnaryOp.LOGICAL_NOT, 0, a, out);
        return out;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be bool, got " + cond.dtype());
        }
        DType dt = DType.promote(a.dtype(), b.dtype());
        Tensor a2 = a.to(dt), b2 = b.to(dt);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a2.shape()), b2.shape());
        Tensor out = Tensor.empty(shape, dt, a2.device());
        a2.backend().where(cond.expand(shape), a2.expand(shape), b2.expand(shape), out);
        return out.record("where", g -> {
            Tensor zero = Constants.of(0, g.dtype(), g.device());
            return new Tensor[] {
                null,
                a2.requiresGrad() ? sumToShape(where(cond, g, zero), a2.shape()) : null,
                b2.requiresGrad() ? sumToShape(where(cond, zero, g), b2.shape()) : null
            };
        }, cond, a2, b2);
    }

    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("maskedFill: mask must be bool, got " + mask.dtype());
        }
        Shape.broadcast("maskedFill", x.shape(), mask.shape());
        Tensor out = where(mask, Constants.of(value, x.dtype(), x.device()), x);
        if (!java.util.Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalArgumentException("maskedFill: mask of shape " + Shape.str(mask.shape())
                    + " would grow the tensor of shape " + Shape.str(x.shape()));
        }
        return out;
    }

    private static void checkDevices(BinaryOp op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op.name().toLowerCase() + ": operands on different devices ("
                    + a.device() + " and " + b.device() + ")");
        }
    }
}
