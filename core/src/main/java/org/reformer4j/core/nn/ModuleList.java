package org.reformer4j.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** torch.nn.ModuleList: an indexed list of sub-modules named "0", "1", ... (no forward of its own). */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    @SafeVarargs
    public ModuleList(M... modules) {
        for (M m : modules) add(m);
    }

    public ModuleList(List<? extends M> modules) {
        for (M m : modules) add(m);
    }

    /** Appends a module under the next index; returns this. */
    public ModuleList<M> add(M m) {
        items.add(registerModule(Integer.toString(items.size()), m));
        return this;
    }

    public M get(int i) {
        if (i < 0 || i >= items.size()) {
            throw new IndexOutOfBoundsException("ModuleList: index " + i + " outside [0, " + items.size() + ")");
        }
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(items).iterator();
    }
}
