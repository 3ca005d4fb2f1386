package org.reformer4j.core;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Lifetime of temporaries. Storages allocated while a scope is open on this thread belong to it; when it
 * closes they go back to their backend's pool (device memory cannot wait for the garbage collector, and on
 * the CPU reusing buffers spares the allocator), except the storages of tensors passed to {@link #keep}.
 * A training step runs inside one: <pre>{@code
 * try (var s = Scope.open()) { Tensor loss = model.loss(batch); loss.backward(); opt.step(); lossValue = loss.item(); }
 * }</pre> Scopes nest; a storage belongs to the innermost. Using a tensor after its scope closed throws.
 * Gradients accumulated into parameters ({@code .grad}) and optimizer state are created outside any
 * scope's ownership: see {@link #detached}.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
    private final Scope parent;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread. */
    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Runs {@code body} with no scope collecting allocations (for long-lived tensors made mid-step). */
    public static <T> T detached(java.util.function.Supplier<T> body) {
        Scope s = CURRENT.get();
        CURRENT.set(null);
        try {
            return body.get();
        } finally {
            CURRENT.set(s);
        }
    }

    static void track(Storage s) {
        Scope sc = CURRENT.get();
        if (sc != null) sc.owned.add(s);
    }

    /** Keeps {@code t}'s storage alive past this scope (it moves to the enclosing scope, if any). */
    public <T extends Tensor> T keep(T t) {
        if (owned.remove(t.storage()) && parent != null) parent.owned.add(t.storage());
        return t;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (CURRENT.get() != this) {
            throw new IllegalStateException("scopes must be closed in the reverse order of opening");
        }
        CURRENT.set(parent);
        for (Storage s : owned) s.release();
        owned.clear();
    }
}
