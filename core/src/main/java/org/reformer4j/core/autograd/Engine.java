package org.reformer4j.core.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Shape;
import org.reformer4j.core.Storage;
import org.reformer4j.core.Tensor;

/**
 * Reverse-mode differentiation (torch.autograd.backward): walks the graph below a root in reverse topological
 * order, calls each node's backward once with the sum of the gradients that reached it, and accumulates into
 * the {@code grad} of leaf tensors that require it. Backward itself runs without recording (no double
 * backward). As in torch without {@code retain_graph}, each node is released as soon as its backward has run:
 * its saved tensors and its edges become garbage while the rest of the graph is still being walked, so the
 * peak memory of a backward is the gradients in flight plus what the nodes not yet reached still need.
 * Gradients are recycled the same way: once a node's backward has returned, the gradient it was handed, and
 * the ones it gave that were added into a leaf's {@code grad} or into another pending gradient, go back to the
 * CPU pool (when this walk saw the backend allocate them and no pending gradient is a view of them), so the
 * next layer's backward reuses their buffers instead of allocating and zeroing new ones. A backward function
 * therefore must not keep the gradient it is handed (or its array) after it returns: clone what it needs.
 */
public final class Engine {
    private Engine() {}

    public static void backward(Tensor root, Tensor gradRoot) {
        backward(root, gradRoot, false);
    }

    /**
     * Backpropagates {@code gradRoot} (null for a scalar root: 1) from {@code root}; with {@code retainGraph} the
     * nodes keep their saved tensors so that a second backward may run through them.
     */
    public static void backward(Tensor root, Tensor gradRoot, boolean retainGraph) {
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
        long born = Storage.newestSerial(); // gradients made from here on are this walk's to recycle (not the caller's)
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        Map<Storage, Integer> held = new IdentityHashMap<>(); // pending gradients per storage (views share one)
        pending.put(root.gradFn(), gradRoot);
        hold(held, gradRoot, 1);
        gradRoot = null;
        List<Tensor> spent = new ArrayList<>();
        try (var ng = GradMode.noGrad()) {
            for (int k = 0; k < order.size(); k++) {
                Node node = order.set(k, null); // the walk keeps no node it is done with
                Tensor[] grads;
                {
                    Tensor g = pending.remove(node);
                    if (g == null) continue;
                    hold(held, g, -1);
                    grads = node.backward(g);
                    spent.add(g);
                }
                if (grads.length != node.arity()) {
                    throw new IllegalStateException(node + " returned " + grads.length + " gradients for " + node.arity() + " inputs");
                }
                for (int i = 0; i < grads.length; i++) {
                    Tensor gi = grads[i];
                    if (gi == null || !node.wantsGrad(i)) continue;
                    if (!java.util.Arrays.equals(gi.shape(), node.inputShape(i))) {
                        throw new IllegalStateException(node + " gave a gradient of shape " + Shape.str(gi.shape())
                                + " for input " + i + " of shape " + Shape.str(node.inputShape(i)));
                    }
                    Node fn = node.producer(i);
                    if (fn == null) {
                        node.leaf(i).accumulateGrad(gi); // copies or adds gi: it holds no reference to it
                        spent.add(gi);
                    } else {
                        Tensor prev = pending.get(fn), sum = prev == null ? gi : prev.add(gi);
                        if (prev != null) {
                            hold(held, prev, -1);
                            spent.add(prev);
                            spent.add(gi);
                        }
                        pending.put(fn, sum);
                        hold(held, sum, 1);
                    }
                }
                grads = null;
                // the gradients used up above go back to the pool unless a pending gradient still views them
                for (Tensor t : spent) {
                    if (!held.containsKey(t.storage())) t.storage().recycleGradient(born);
                }
                spent.clear();
                if (!retainGraph) node.release();
            }
        }
    }

    /** Counts (d = 1) or uncounts (d = -1) a pending gradient's storage. */
    private static void hold(Map<Storage, Integer> held, Tensor t, int d) {
        held.merge(t.storage(), d, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** Nodes reachable from {@code root}, each after every node that consumes its output. */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> post = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {visit(root), 0});
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node n = (Node) top[0];
            int i = (Integer) top[1];
            if (i < n.arity()) {
                top[1] = i + 1;
                Node in = n.wantsGrad(i) ? n.producer(i) : null;
                if (in != null && !seen.containsKey(in)) {
                    seen.put(in, Boolean.TRUE);
                    stack.push(new Object[] {visit(in), 0});
                }
            } else {
                stack.pop();
                post.add(n);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }

    /** Refuses a node whose saved tensors an earlier backward freed. */
    private static Node visit(Node n) {
        if (n.isReleased()) {
            throw new IllegalStateException("backward: " + n + " was already backpropagated and its saved tensors freed; "
                    + "to run backward twice through the same graph, pass retainGraph = true to the first backward");
        }
        return n;
    }
}
