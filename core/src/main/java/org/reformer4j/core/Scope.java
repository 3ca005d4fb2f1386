package org.reformer4j.core;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Lifetime of temporaries. Storages allocated while a scope is open on this thread belong to it; when it
 * closes they go back to their backend's pool (device memory cannot wait for the garbage collector, and on
 * the CPU reusing buffers spares the allocator), except the storages of tensors passed to {@link #keep}.
 * A training step runs inside one: <pre>{@code
 * try (var s = Scope.open()) { Tensor loss = model.loss(batch); loss.backward(); opt.step(); lossValue = loss.item(); }
 * }</pre> Scopes nest; a storage belongs to the innermost. Using a tensor after its scope closed throws.
 * Gradients accumulated into parameters ({@code .grad}) and optimizer state are created outside any
 * scope's ownership: see {@link #detached}. A scope holds CPU storages weakly: a temporary that nothing
 * references any more is left to the garbage collector at once (so a scope never raises the peak heap above
 * what plain garbage collection would need); those still reachable at close go to the pool. Device storages
 * are held until close (their memory is not the collector's).
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
    private final Scope parent;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    /** CPU storages: a weak set (Storage keeps identity equality, so WeakHashMap keys by identity). */
    private final Set<Storage> ownedCpu = Collections.newSetFromMap(new WeakHashMap<>());
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
        if (sc != null) sc.set(s).add(s);
    }

    private Set<Storage> set(Storage s) {
        return s.device().isCpu() ? ownedCpu : owned;
    }

    /** Keeps {@code t}'s storage alive past this scope (it moves to the enclosing scope, if any). */
    public <T extends Tensor> T keep(T t) {
        Storage st = t.storage();
        if (set(st).remove(st) && parent != null) parent.set(st).add(st);
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
        for (Storage s : new java.util.ArrayList<>(ownedCpu)) s.release();
        ownedCpu.clear();
    }
}
