package org.reformer4j.core.autograd;

import org.reformer4j.core.Tensor;

/**
 * One recorded op of the define-by-run graph: where its inputs came from and how to turn the gradient of
 * its output into gradients of those inputs. Created by the ops of {@link Tensor} and by {@link Function}.
 * A node holds its inputs as edges (torch's {@code next_functions}): a leaf input is kept as the tensor (its
 * gradient accumulates there), a computed input only as its producing node and shape, so an input's values
 * stay alive only if the backward below needs them. Once the engine has run a node's backward it
 * {@link #release releases} it (unless asked to retain the graph): the edges and whatever the backward
 * captured (saved tensors) become garbage as soon as nothing else refers to them.
 */
public abstract class Node {
    private final String name;
    private int arity;
    private Tensor[] leaves;
    private Node[] producers;
    private int[][] shapes;
    private boolean released;

    protected Node(String name, Tensor... inputs) {
        this.name = name;
        arity = inputs.length;
        leaves = new Tensor[arity];
        producers = new Node[arity];
        shapes = new int[arity][];
        for (int i = 0; i < arity; i++) {
            Tensor t = inputs[i];
            if (t == null) continue;
            if (t.gradFn() == null) {
                leaves[i] = t; // requiresGrad is read when backward runs, as for any leaf
            } else {
                producers[i] = t.gradFn();
                shapes[i] = t.shape();
            }
        }
    }

    /** The op's name, for error messages and graph dumps. */
    public String name() {
        return name;
    }

    /** Number of inputs (one gradient per input is expected from {@link #backward}). */
    public int arity() {
        return arity;
    }

    /** Input i when it is a leaf (no producer), else null. */
    public Tensor leaf(int i) {
        return leaves[i];
    }

    /** The node that computed input i, or null for a leaf or an absent input. */
    public Node producer(int i) {
        return producers[i];
    }

    /** Input i's shape (leaf or computed), or null for an absent input. */
    public int[] inputShape(int i) {
        return leaves[i] != null ? leaves[i].shape() : shapes[i];
    }

    /** Whether input i takes a gradient: a computed input always does, a leaf when it requires grad. */
    public boolean wantsGrad(int i) {
        return producers[i] != null || (leaves[i] != null && leaves[i].requiresGrad());
    }

    /**
     * Gradients of the inputs, one per input in order (null where an input needs none); each has its
     * input's shape and dtype.
     */
    public abstract Tensor[] backward(Tensor gradOutput);

    /**
     * Drops what {@link #backward} needed (saved tensors, captured state); called once by {@link #release}.
     * Subclasses holding such state override it.
     */
    protected void freeSaved() {}

    /** Whether the engine has already backpropagated through this node and freed it. */
    public boolean isReleased() {
        return released;
    }

    /** After backward consumed this node: forget the edges and the saved state (no second backward through it). */
    final void release() {
        if (released) return;
        released = true;
        leaves = null;
        producers = null;
        shapes = null;
        freeSaved();
    }

    /** A node from a lambda: {@code Node.of("exp", g -> new Tensor[]{g.mul(out)}, x)}. */
    public static Node of(String name, java.util.function.Function<Tensor, Tensor[]> backward, Tensor... inputs) {
        return new Lambda(name, backward, inputs);
    }

    private static final class Lambda extends Node {
        private java.util.function.Function<Tensor, Tensor[]> fn;

        Lambda(String name, java.util.function.Function<Tensor, Tensor[]> fn, Tensor... inputs) {
            super(name, inputs);
            this.fn = fn;
        }

        @Override
        public Tensor[] backward(Tensor gradOutput) {
            return fn.apply(gradOutput);
        }

        @Override
        protected void freeSaved() {
            fn = null;
        }
    }

    @Override
    public String toString() {
        return name + "Backward";
    }
}
