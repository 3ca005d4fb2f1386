package org.reformer4j.core.autograd;

import org.reformer4j.core.Tensor;

/**
 * One recorded op of the define-by-run graph: the tensors it consumed and how to turn the gradient of
 * its output into gradients of those inputs. Created by the ops of {@link Tensor} and by {@link Function}.
 */
public abstract class Node {
    private final String name;
    private final Tensor[] inputs;

    protected Node(String name, Tensor... inputs) {
        this.name = name;
        this.inputs = inputs;
    }

    /** The op's name, for error messages and graph dumps. */
    public String name() {
        return name;
    }

    /** The op's inputs (those that do not require grad included, as null-safe placeholders). */
    public Tensor[] inputs() {
        return inputs;
    }

    /**
     * Gradients of the inputs, one per input in order (null where an input needs none); each has its
     * input's shape and dtype.
     */
    public abstract Tensor[] backward(Tensor gradOutput);

    /** A node from a lambda: {@code Node.of("exp", g -> new Tensor[]{g.mul(out)}, x)}. */
    public static Node of(String name, java.util.function.Function<Tensor, Tensor[]> backward, Tensor... inputs) {
        return new Node(name, inputs) {
            @Override
            public Tensor[] backward(Tensor gradOutput) {
                return backward.apply(gradOutput);
            }
        };
    }

    @Override
    public String toString() {
        return name + "Backward";
    }
}
