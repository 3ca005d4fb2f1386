package org.reformer4j.core.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reformer4j.core.Scope;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.io.SafeTensors;
import org.reformer4j.core.io.SafeTensorsDtype;
import org.reformer4j.core.io.SafeTensorsWriter;

/**
 * State dicts to and from safetensors files ({@code safetensors.torch.save_file / load_file} of a
 * {@code state_dict()}): each tensor keeps its dtype (F32, F64, I64, I32, BOOL; F16 and BF16 files load as
 * float32). Loaded tensors are CPU tensors owned by no scope.
 */
public final class StateDicts {
    private StateDicts() {}

    /** Every tensor of a safetensors file by name, in file order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            return Scope.detached(() -> {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (String name : st.names()) out.put(name, toTensor(st, name));
                return out;
            });
        }
    }

    /** One tensor of an open file as a CPU tensor. */
    public static Tensor toTensor(SafeTensors st, String name) {
        long[] ls = st.shape(name);
        int[] shape = new int[ls.length];
        for (int i = 0; i < ls.length; i++) {
            if (ls[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("StateDicts: tensor '" + name + "' dimension " + i + " is " + ls[i]
                        + ", larger than a tensor dimension can be");
            }
            shape[i] = (int) ls[i];
        }
        return switch (SafeTensorsDtype.valueOf(st.dtype(name))) {
            case F32, F16, BF16 -> Tensor.of(st.floats(name), shape);
            case F64 -> Tensor.of(st.doubles(name), shape);
            case I64 -> Tensor.of(st.longs(name), shape);
            case I32 -> Tensor.of(st.ints(name), shape);
            case BOOL -> Tensor.of(st.bools(name), shape);
        };
    }

    /** Writes tensors (any device; copied to the host) atomically, with optional metadata. */
    public static void write(Map<String, Tensor> tensors, Path file, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        if (metadata != null) metadata.forEach(w::metadata);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            int[] s = t.shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) shape[i] = s[i];
            String name = e.getKey();
            switch (t.dtype()) {
                case F32 -> w.add(name, SafeTensorsDtype.F32, shape, t.toFloatArray());
                case F64 -> w.add(name, SafeTensorsDtype.F64, shape, t.toDoubleArray());
                case I64 -> w.add(name, SafeTensorsDtype.I64, shape, t.toLongArray());
                case I32 -> w.add(name, SafeTensorsDtype.I32, shape, t.toIntArray());
                case BOOL -> w.add(name, shape, t.toBoolArray());
            }
        }
        w.write(file);
    }

    /** Saves a module's state dict (metadata {@code format: pt}, as safetensors.torch). */
    public static void save(Module module, Path file) throws IOException {
        write(module.stateDict(), file, Map.of("format", "pt"));
    }

    /** Loads a file into a module; see {@link Module#loadStateDict(Map, boolean)}. */
    public static Module.LoadResult load(Module module, Path file, boolean strict) throws IOException {
        Map<String, Tensor> state = read(file);
        try {
            return module.loadStateDict(state, strict);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
