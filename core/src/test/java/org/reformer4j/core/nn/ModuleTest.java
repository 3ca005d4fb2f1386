package org.reformer4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reformer4j.core.DType;
import org.reformer4j.core.Tensor;
import org.reformer4j.core.random.Generator;

/**
 * Module bookkeeping against torch's rules: dotted names, registration order, shared parameters listed
 * once by namedParameters and under every name by stateDict, persistent buffers, train/eval, and
 * loadStateDict's errors.
 */
class ModuleTest {

    /** A reformer-pytorch-like block: f = PreNorm(LayerNorm, attention-ish linears), a rotary buffer. */
    static final class Attn extends Module {
        final Linear toQ, toOut;

        Attn(Generator g) {
            toQ = registerModule("to_q", new Linear(4, 4, false, DType.F32, g));
            toOut = registerModule("to_out", new Linear(4, 4, true, DType.F32, g));
        }

        @Override
        public Tensor forward(Tensor x) {
            return toOut.forward(toQ.forward(x));
        }
    }

    static final class PreNorm extends Module {
        PreNorm(Module fn) {
            registerModule("norm", new LayerNorm(4));
            registerModule("fn", fn);
        }
    }

    static final class Model extends Module {
        final ModuleList<PreNorm> layers;

        Model(Generator g, boolean tie) {
            registerModule("token_emb", new Embedding(10, 4, DType.F32, g));
            registerBuffer("inv_freq", Tensor.of(new float[] {1f, 0.1f}, 2), true);
            registerBuffer("scratch", Tensor.zeros(3), false);
            Attn shared = new Attn(g);
            layers = registerModule("layers", new ModuleList<>(new PreNorm(shared), new PreNorm(tie ? shared : new Attn(g))));
        }
    }

    @Test
    void namesAndOrdersFollowTorch() {
        Model m = new Model(new Generator(1, 0), false);
        assertEquals(List.of("token_emb.weight",
                "layers.0.norm.weight", "layers.0.norm.bias", "layers.0.fn.to_q.weight", "layers.0.fn.to_out.weight",
                "layers.0.fn.to_out.bias",
                "layers.1.norm.weight", "layers.1.norm.bias", "layers.1.fn.to_q.weight", "layers.1.fn.to_out.weight",
                "layers.1.fn.to_out.bias"), List.copyOf(m.namedParameters().keySet()));
        // torch's state_dict: own parameters, own buffers, then children (so the root's buffer comes first).
        assertEquals(List.of("inv_freq", "token_emb.weight",
                "layers.0.norm.weight", "layers.0.norm.bias", "layers.0.fn.to_q.weight", "layers.0.fn.to_out.weight",
                "layers.0.fn.to_out.bias",
                "layers.1.norm.weight", "layers.1.norm.bias", "layers.1.fn.to_q.weight", "layers.1.fn.to_out.weight",
                "layers.1.fn.to_out.bias"), List.copyOf(m.stateDict().keySet()));
        assertEquals(List.of("inv_freq", "scratch"), List.copyOf(m.namedBuffers().keySet()));
        assertEquals(10 * 4 + 2 * (4 + 4 + 16 + 16 + 4), m.numParameters());
        assertSame(m.layers.get(1).namedChildren().get("fn"), m.module("layers.1.fn"));
        assertSame(m.parameter("layers.1.fn.to_q.weight"), ((Attn) m.module("layers.1.fn")).toQ.weight());
        var e = assertThrows(IllegalArgumentException.class, () -> m.parameter("layers.1.fn.to_k.weight"));
        assertTrue(e.getMessage().contains("to_k"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.module("layers.7"));
    }

    @Test
    void sharedModulesAreListedOnceAsParametersAndUnderEveryNameInTheStateDict() {
        Model m = new Model(new Generator(1, 0), true);
        Map<String, Parameter> named = m.namedParameters();
        assertFalse(named.containsKey("layers.1.fn.to_q.weight"), "shared weight listed once, first name");
        assertTrue(named.containsKey("layers.1.norm.weight"), "norms are per layer");
        Map<String, Tensor> sd = m.stateDict();
        assertSame(sd.get("layers.0.fn.to_q.weight"), sd.get("layers.1.fn.to_q.weight"));
        assertEquals(m.parameters().size(), named.size());
    }

    @Test
    void trainEvalPropagates() {
        Model m = new Model(new Generator(1, 0), false);
        assertTrue(m.module("layers.1.fn.to_q").isTraining());
        m.eval();
        assertFalse(m.module("layers.1.fn.to_q").isTraining());
        assertFalse(m.isTraining());
        m.train();
        assertTrue(m.module("layers.0.norm").isTraining());
    }

    @Test
    void loadStateDictCopiesValuesAndNamesProblems() {
        Model a = new Model(new Generator(1, 0), false), b = new Model(new Generator(2, 0), false);
        Parameter before = b.parameter("layers.0.fn.to_q.weight");
        b.loadStateDict(a.stateDict());
        assertSame(before, b.parameter("layers.0.fn.to_q.weight"), "loading keeps parameter identity");
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        Map<String, Tensor> partial = new LinkedHashMap<>(a.stateDict());
        partial.remove("inv_freq");
        partial.put("layers.9.weight", Tensor.zeros(1));
        var strict = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(partial));
        assertTrue(strict.getMessage().contains("missing keys: [inv_freq]")
                && strict.getMessage().contains("unexpected keys: [layers.9.weight]"), strict.getMessage());
        Module.LoadResult r = b.loadStateDict(partial, false);
        assertEquals(List.of("inv_freq"), r.missing());
        assertEquals(List.of("layers.9.weight"), r.unexpected());
        Map<String, Tensor> wrong = new LinkedHashMap<>(a.stateDict());
        wrong.put("token_emb.weight", Tensor.zeros(4, 10));
        var shape = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(wrong, false));
        assertTrue(shape.getMessage().contains("token_emb.weight: checkpoint [4, 10], model [10, 4]"), shape.getMessage());
    }

    @Test
    void registrationErrors() {
        class Bad extends Module {
            Bad(String name) {
                registerParameter("w", Tensor.zeros(1));
                registerModule(name, new Identity());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad("w"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("a.b"));
        assertThrows(IllegalArgumentException.class, () -> new Bad(""));
        assertThrows(IllegalArgumentException.class, () -> new Parameter(Tensor.of(new long[] {1}, 1)));
        assertThrows(UnsupportedOperationException.class, () -> new ModuleList<>().forward(Tensor.zeros(1)));
    }
}
