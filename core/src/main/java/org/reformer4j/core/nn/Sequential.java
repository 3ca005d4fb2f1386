package org.reformer4j.core.nn;

import org.reformer4j.core.Tensor;

/** torch.nn.Sequential: sub-modules named "0", "1", ... applied in order by {@link #forward}. */
public final class Sequential extends Module {
    private final java.util.List<Module> layers = new java.util.ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module under the next index; returns this. */
    public Sequential add(Module m) {
        layers.add(registerModule(Integer.toString(layers.size()), m));
        return this;
    }

    public Module get(int i) {
        if (i < 0 || i >= layers.size()) {
            throw new IndexOutOfBoundsException("Sequential: index " + i + " outside [0, " + layers.size() + ")");
        }
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }
}
