/*
 * from_pretrained for BERT tokenizers, without network: a vocab.txt file (like BertTokenizer(vocab_file):
 * HuggingFace defaults, lowercasing on), a folder with vocab.txt and/or tokenizer.json plus the optional
 * tokenizer_config.json / special_tokens_map.json, or a model name resolved in the local HuggingFace cache
 * ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub: models--NAME/snapshots/<refs/main or any>/).
 * Precedence as in transformers: tokenizer_config.json over special_tokens_map.json over tokenizer.json.
 */
package org.reformer4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

final class PretrainedLoader {
    private PretrainedLoader() {
    }

    static BertTokenizer load(String name, Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            return BertTokenizer.builder(Vocabulary.load(path)).build();
        }
        if (Files.isDirectory(path)) {
            return loadDir(path);
        }
        List<Path> tried = new ArrayList<>();
        tried.add(path.toAbsolutePath());
        Path snapshot = resolveInCache(name, cacheRoots(), tried);
        if (snapshot == null) {
            throw new NoSuchFileException(name, null, "tokenizer: '" + name + "' is neither a vocab.txt file, nor a folder, nor a model in the local "
                    + "HuggingFace cache (nothing is downloaded); tried: " + tried);
        }
        return loadDir(snapshot, casedByName(name));
    }

    /**
     * transformers v4's PRETRAINED_INIT_CONFIGURATION: the Hub's cased BERT models and bert-base-chinese
     * do not lowercase even when their folder has no tokenizer_config.json saying so.
     */
    static boolean casedByName(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        return base.equals("bert-base-chinese") || (base.startsWith("bert-") && base.endsWith("-cased"));
    }

    /** Hub cache folders, in the order huggingface_hub uses them. */
    static List<Path> cacheRoots() {
        List<Path> roots = new ArrayList<>();
        String hubCache = System.getenv("HF_HUB_CACHE");
        if (hubCache == null) {
            hubCache = System.getenv("HUGGINGFACE_HUB_CACHE");
        }
        if (hubCache != null) {
            roots.add(Path.of(hubCache));
        }
        String hfHome = System.getenv("HF_HOME");
        if (hfHome != null) {
            roots.add(Path.of(hfHome, "hub"));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null) {
            roots.add(Path.of(xdg, "huggingface", "hub"));
        }
        roots.add(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
        return roots;
    }

    /**
     * The snapshot folder of a model in one of the cache roots, or null; every folder looked at is added to
     * tried. A bare legacy name ("bert-base-chinese") is also tried under its organisation google-bert/.
     */
    static Path resolveInCache(String name, List<Path> roots, List<Path> tried) throws IOException {
        List<String> repoIds = new ArrayList<>();
        repoIds.add(name);
        if (!name.contains("/")) {
            repoIds.add("google-bert/" + name);
        }
        for (Path root : roots) {
            for (String repo : repoIds) {
                Path model = root.resolve("models--" + repo.replace("/", "--"));
                Path snapshots = model.resolve("snapshots");
                Path ref = model.resolve("refs").resolve("main");
                if (Files.isRegularFile(ref)) {
                    Path snap = snapshots.resolve(Files.readString(ref, StandardCharsets.UTF_8).trim());
                    tried.add(snap);
                    if (hasTokenizerFiles(snap)) {
                        return snap;
                    }
                }
                tried.add(snapshots);
                if (Files.isDirectory(snapshots)) {
                    List<Path> snaps;
                    try (Stream<Path> s = Files.list(snapshots)) {
                        snaps = new ArrayList<>(s.filter(PretrainedLoader::hasTokenizerFiles).sorted().toList());
                    }
                    Collections.reverse(snaps);
                    if (!snaps.isEmpty()) {
                        return snaps.get(0);
                    }
                }
            }
        }
        return null;
    }

    private static boolean hasTokenizerFiles(Path dir) {
        return Files.isRegularFile(dir.resolve("vocab.txt")) || Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    static BertTokenizer loadDir(Path dir) throws IOException {
        return loadDir(dir, false);
    }

    static BertTokenizer loadDir(Path dir, boolean cased) throws IOException {
        Path vocabTxt = dir.resolve("vocab.txt");
        Path tokJson = dir.resolve("tokenizer.json");
        Map<String, Object> tj = Files.isRegularFile(tokJson) ? readJson(tokJson) : Map.of();
        Vocabulary vocab;
        if (Files.isRegularFile(vocabTxt)) {
            vocab = Vocabulary.load(vocabTxt);
        } else if (!tj.isEmpty()) {
            vocab = vocabFromTokenizerJson(tj, tokJson);
        } else {
            throw new NoSuchFileException(vocabTxt.toString(), null, "tokenizer: folder " + dir + " holds neither vocab.txt nor tokenizer.json");
        }
        BertTokenizer.Builder b = BertTokenizer.builder(vocab);
        if (cased) {
            b.doLowerCase(false);
        }
        applyTokenizerJson(b, tj, tokJson);
        Path stm = dir.resolve("special_tokens_map.json");
        if (Files.isRegularFile(stm)) {
            applySpecialTokens(b, readJson(stm), stm);
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) {
            Map<String, Object> c = readJson(cfg);
            applySpecialTokens(b, c, cfg);
            if (c.get("do_lower_case") instanceof Boolean v) {
                b.doLowerCase(v);
            }
            if (c.containsKey("strip_accents")) {
                b.stripAccents(c.get("strip_accents") instanceof Boolean v ? v : null);
            }
            if (c.get("tokenize_chinese_chars") instanceof Boolean v) {
                b.tokenizeChineseChars(v);
            }
            if (c.get("never_split") instanceof List<?> l) {
                List<String> ns = new ArrayList<>();
                for (Object o : l) {
                    if (o instanceof String s && vocab.id(s) >= 0) {
                        ns.add(s);
                    }
                }
                b.neverSplit(ns);
            }
            if (c.get("added_tokens_decoder") instanceof Map<?, ?> m) {
                addAddedTokens(b, m.values(), vocab);
            }
        }
        return b.build();
    }

    static Map<String, Object> readJson(Path p) throws IOException {
        try {
            return MiniJson.parseObject(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException("tokenizer: cannot parse " + p + ": " + e.getMessage(), e);
        }
    }

    private static Vocabulary vocabFromTokenizerJson(Map<String, Object> tj, Path where) throws IOException {
        if (!(tj.get("model") instanceof Map<?, ?> model) || !(model.get("vocab") instanceof Map<?, ?> v)) {
            throw new IOException("tokenizer: " + where + " has no model.vocab object (only WordPiece tokenizer.json files are supported)");
        }
        int max = -1;
        for (Object id : v.values()) {
            max = Math.max(max, ((Number) id).intValue());
        }
        String[] tokens = new String[max + 1];
        for (Map.Entry<?, ?> e : v.entrySet()) {
            tokens[((Number) e.getValue()).intValue()] = (String) e.getKey();
        }
        List<String> list = new ArrayList<>(tokens.length);
        for (String t : tokens) {
            list.add(t == null ? "" : t);
        }
        return Vocabulary.of(list);
    }

    private static void applyTokenizerJson(BertTokenizer.Builder b, Map<String, Object> tj, Path where) {
        if (tj.get("normalizer") instanceof Map<?, ?> n && "BertNormalizer".equals(n.get("type"))) {
            if (n.get("lowercase") instanceof Boolean v) {
                b.doLowerCase(v);
            }
            b.stripAccents(n.get("strip_accents") instanceof Boolean v ? v : null);
            if (n.get("handle_chinese_chars") instanceof Boolean v) {
                b.tokenizeChineseChars(v);
            }
        }
        if (tj.get("model") instanceof Map<?, ?> m) {
            if (m.get("unk_token") instanceof String s) {
                b.unkToken(s);
            }
            if (m.get("continuing_subword_prefix") instanceof String s) {
                b.continuingSubwordPrefix(s);
            }
            if (m.get("max_input_chars_per_word") instanceof Number x) {
                b.maxInputCharsPerWord(x.intValue());
            }
        }
        if (tj.get("added_tokens") instanceof List<?> l) {
            addAddedTokens(b, l, b.vocab);
        }
    }

    /** Added tokens in the vocabulary: special ones become special tokens, the others never-split tokens. */
    private static void addAddedTokens(BertTokenizer.Builder b, Iterable<?> entries, Vocabulary vocab) {
        for (Object o : entries) {
            if (o instanceof Map<?, ?> t && t.get("content") instanceof String s && vocab.id(s) >= 0) {
                if (Boolean.TRUE.equals(t.get("special"))) {
                    if (!b.additionalSpecialTokens.contains(s)) {
                        b.additionalSpecialTokens.add(s);
                    }
                } else if (!b.neverSplit.contains(s)) {
                    b.neverSplit.add(s);
                }
            }
        }
    }

    private static void applySpecialTokens(BertTokenizer.Builder b, Map<String, Object> m, Path where) {
        String v;
        if ((v = tokenString(m.get("unk_token"))) != null) {
            b.unkToken(v);
        }
        if ((v = tokenString(m.get("sep_token"))) != null) {
            b.sepToken(v);
        }
        if ((v = tokenString(m.get("pad_token"))) != null) {
            b.padToken(v);
        }
        if ((v = tokenString(m.get("cls_token"))) != null) {
            b.clsToken(v);
        }
        if ((v = tokenString(m.get("mask_token"))) != null) {
            b.maskToken(v);
        }
    }

    /** A token given as "[UNK]" or as {"content": "[UNK]", ...}. */
    private static String tokenString(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            return s;
        }
        return null;
    }
}
