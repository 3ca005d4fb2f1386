package org.reformer4j.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.reformer4j.core.Device;
import org.reformer4j.core.GradMode;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;

/**
 * A layer or model (torch.nn.Module): named parameters, buffers and sub-modules in registration order,
 * dotted names ({@code layers.0.f.net.fn.to_q.weight}), train/eval mode, and state dicts. Orders follow
 * torch: {@link #namedParameters} walks modules depth-first (own parameters first) and lists a shared
 * parameter once under its first name; {@link #stateDict} lists own parameters, own persistent buffers,
 * then each child's entries, without de-duplication (a shared tensor appears under every name).
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> transientBuffers = new HashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The single-input forward pass; modules with other signatures define their own methods. */
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no single-tensor forward(Tensor)");
    }

    // ---- registration ------------------------------------------------------------------------------

    /** Registers a parameter holding a copy of {@code init}; returns it. */
    protected final Parameter registerParameter(String name, Tensor init) {
        return registerParameter(name, new Parameter(init));
    }

    /** Registers an existing parameter (sharing it with another module ties the weights); returns it. */
    protected final Parameter registerParameter(String name, Parameter p) {
        checkName(name, "parameter");
        if (p == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter '" + name + "' is null");
        parameters.put(name, p);
        return p;
    }

    /**
     * Registers a buffer: state that is not trained (rotary frequencies, running statistics). Persistent
     * buffers are part of the state dict. The module keeps a copy owned by no scope.
     */
    protected final Tensor registerBuffer(String name, Tensor value, boolean persistent) {
        checkName(name, "buffer");
        Tensor kept = keepCopy(value);
        buffers.put(name, kept);
        if (!persistent) transientBuffers.add(name);
        return kept;
    }

    /** Replaces a registered buffer's value (same name; a copy owned by no scope is kept). */
    protected final Tensor setBuffer(String name, Tensor value) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "' to set");
        }
        Tensor kept = keepCopy(value);
        buffers.put(name, kept);
        return kept;
    }

    /** A registered buffer of this module (not of children). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "'");
        return t;
    }

    /** Registers a sub-module; returns it. The same instance may be registered twice (shared weights). */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name, "module");
        if (module == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": module '" + name + "' is null");
        children.put(name, module);
        return module;
    }

    private void checkName(String name, String kind) {
        String where = getClass().getSimpleName() + ": " + kind + " name '" + name + "'";
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(where + " must be non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(where + " is already registered");
        }
    }

    private static Tensor keepCopy(Tensor value) {
        try (var ng = GradMode.noGrad()) {
            return Scope.detached(() -> value.detach().clone());
        }
    }

    // ---- traversal ---------------------------------------------------------------------------------

    /** Every distinct parameter with its first dotted name, in registration order (torch named_parameters). */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Parameter> p : m.getValue().parameters.entrySet()) {
                if (seen.add(p.getValue())) out.put(join(m.getKey(), p.getKey()), p.getValue());
            }
        }
        return out;
    }

    /** The distinct parameters in {@link #namedParameters} order. */
    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer (persistent or not) with its dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> b : m.getValue().buffers.entrySet()) {
                out.putIfAbsent(join(m.getKey(), b.getKey()), b.getValue());
            }
        }
        return out;
    }

    /** This module ("") and every distinct descendant, depth-first pre-order, under its first name. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(this)) return;
        out.put(prefix, this);
        for (Map.Entry<String, Module> c : children.entrySet()) {
            c.getValue().collectModules(join(prefix, c.getKey()), out, seen);
        }
    }

    /** The direct sub-modules by name. */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /** The sub-module at a dotted path ("" is this module). */
    public final Module module(String path) {
        Module m = this;
        if (path.isEmpty()) return m;
        for (String part : path.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": no sub-module '" + path + "' (at '"
                        + part + "', " + m.getClass().getSimpleName() + " has " + m.children.keySet() + ")");
            }
            m = next;
        }
        return m;
    }

    /** The parameter at a dotted name, e.g. {@code layers.0.to_q.weight}. */
    public final Parameter parameter(String dottedName) {
        int dot = dottedName.lastIndexOf('.');
        Module owner = module(dot < 0 ? "" : dottedName.substring(0, dot));
        Parameter p = owner.parameters.get(dottedName.substring(dot + 1));
        if (p == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter '" + dottedName + "' ("
                    + owner.getClass().getSimpleName() + " has " + owner.parameters.keySet() + ")");
        }
        return p;
    }

    /** Total number of elements over the distinct parameters. */
    public final long numParameters() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    // ---- modes and gradients -----------------------------------------------------------------------

    /** Sets training mode on this module and every descendant; returns this. */
    public Module train(boolean on) {
        for (Module m : namedModules().values()) m.training = on;
        return this;
    }

    public final Module train() {
        return train(true);
    }

    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /** Drops every parameter's gradient. */
    public final void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    // ---- devices -----------------------------------------------------------------------------------

    /**
     * Moves every parameter (with its gradient) and every buffer of this module and its descendants to
     * {@code device} (torch's {@code module.to(device)}); shared parameters move once. Parameters keep their
     * identity, so optimizers built before the move go on working (their state follows each parameter's
     * device at its next step). Returns this.
     */
    public Module to(Device device) {
        if (device == null) throw new IllegalArgumentException(getClass().getSimpleName() + ".to: null device");
        for (Module m : namedModules().values()) {
            for (Parameter p : m.parameters.values()) p.moveTo(device);
            for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                Tensor t = b.getValue();
                if (t.device().equals(device)) continue;
                try (var ng = GradMode.noGrad()) {
                    b.setValue(Scope.detached(() -> t.detach().to(device)));
                }
            }
        }
        return this;
    }

    /** The device of the first parameter (or buffer); the CPU for a module that holds neither. */
    public final Device device() {
        for (Parameter p : parameters()) return p.tensor().device();
        for (Tensor b : namedBuffers().values()) return b.device();
        return Device.CPU;
    }

    // ---- state dicts -------------------------------------------------------------------------------

    /** Parameters and persistent buffers by dotted name, in torch's state_dict order (shared ones repeated). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) out.put(join(prefix, p.getKey()), p.getValue().tensor());
        for (Map.Entry<String, Tensor> b : buffers.entrySet()) {
            if (!transientBuffers.contains(b.getKey())) out.put(join(prefix, b.getKey()), b.getValue());
        }
        for (Map.Entry<String, Module> c : children.entrySet()) c.getValue().collectState(join(prefix, c.getKey()), out);
    }

    /** What {@link #loadStateDict(Map, boolean)} did not match. */
    public record LoadResult(List<String> missing, List<String> unexpected) {
        public boolean isComplete() {
            return missing.isEmpty() && unexpected.isEmpty();
        }
    }

    /** Loads every entry strictly: a missing or unexpected name, or a shape mismatch, is an error. */
    public final void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values into the parameters and persistent buffers (converted to their dtypes, outside
     * autograd). A shape mismatch is always an error; with {@code strict}, so are missing and unexpected names.
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), badShapes = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) missing.add(e.getKey());
            else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                badShapes.add(e.getKey() + ": checkpoint " + Arrays.toString(src.shape()) + ", model "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (!badShapes.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("loadStateDict into " + getClass().getSimpleName() + ":");
            if (!badShapes.isEmpty()) sb.append("\n  shape mismatch for ").append(String.join("; ", badShapes));
            if (strict && !missing.isEmpty()) sb.append("\n  missing keys: ").append(missing);
            if (strict && !unexpected.isEmpty()) sb.append("\n  unexpected keys: ").append(unexpected);
            throw new IllegalArgumentException(sb.toString());
        }
        try (var ng = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) e.getValue().copyFrom(src);
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    // ---- printing ----------------------------------------------------------------------------------

    /** Extra text inside this module's line of {@link #toString} (e.g. "in=32, out=64"). */
    protected String extraRepr() {
        return "";
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            for (Map.Entry<String, Module> c : children.entrySet()) {
                String inner = c.getValue().toString().replace("\n", "\n  ");
                sb.append("  (").append(c.getKey()).append("): ").append(inner).append('\n');
            }
        }
        return sb.append(')').toString();
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
