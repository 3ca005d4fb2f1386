package org.reformer4j.core.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Tensor;

/**
 * Reverse-mode differentiation: walks the graph below a root in reverse topological order, calls each
 * node's backward once with the sum of the gradients that reached it, and accumulates into the {@code grad}
 * of leaf tensors that require it. Backward itself runs without recording (no double backward).
 */
public final class Engine {
    private Engine() {}

    public static void backward(Tensor root, Tensor gradRoot) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require grad (no parameter or input with "
                    + "requiresGrad reached it, or it was computed under GradMode.noGrad())");
        }
        if (gradRoot == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: a gradient must be given for a non-scalar output of shape "
                        + Shape.str(root.shape()));
            }
            gradRoot = Tensor.full(root.shape(), 1.0, root.dtype(), root.device());
        }
        if (root.gradFn() == null) {
            root.accumulateGrad(gradRoot);
            return;
        }
        List<Node> order = topologicalOrder(root.gradFn());
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(root.gradFn(), gradRoot);
        try (var ng = GradMode.noGrad()) {
            for (Node node : order) {
                Tensor g = pending.remove(node);
                if (g == null) continue;
                Tensor[] grads = node.backward(g);
                Tensor[] ins = node.inputs();
                if (grads.length != ins.length) {
                    throw new IllegalStateException(node + " returned " + grads.length + " gradients for " + ins.length + " inputs");
                }
                for (int i = 0; i < ins.length; i++) {
                    Tensor in = ins[i];
                    Tensor gi = grads[i];
                    if (in == null || gi == null || !in.requiresGrad()) continue;
                    if (!java.util.Arrays.equals(gi.shape(), in.shape())) {
                        throw new IllegalStateException(node + " gave a gradient of shape " + Shape.str(gi.shape())
                                + " for input " + i + " of shape " + Shape.str(in.shape()));
                    }
                    Node fn = in.gradFn();
                    if (fn == null) {
                        in.accumulateGrad(gi);
                    } else {
                        Tensor prev = pending.get(fn);
                        pending.put(fn, prev == null ? gi : prev.add(gi));
                    }
                }
            }
        }
    }

    /** Nodes reachable from {@code root}, each after every node that consumes its output. */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> post = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node n = (Node) top[0];
            int i = (Integer) top[1];
            Tensor[] ins = n.inputs();
            if (i < ins.length) {
                top[1] = i + 1;
                Tensor in = ins[i];
                if (in != null && in.requiresGrad() && in.gradFn() != null && !seen.containsKey(in.gradFn())) {
                    seen.put(in.gradFn(), Boolean.TRUE);
                    stack.push(new Object[] {in.gradFn(), 0});
                }
            } else {
                stack.pop();
                post.add(n);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }
}
