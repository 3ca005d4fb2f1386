/*
 * fromPretrained: a vocab.txt file and a vocab-only folder lowercase (BertTokenizer(vocab_file) defaults),
 * tokenizer_config.json's do_lower_case=false turns it off, tokenizer.json alone is enough, special tokens
 * come from special_tokens_map.json, a model name is found in a HuggingFace cache layout, and a missing
 * model gives an error that lists the paths tried. Expected ids are read from the vocabulary lines.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedLoaderTest {
    private static final String VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n<unk>\nhello\nworld\n##s\n";

    @TempDir
    Path tmp;

    @Test
    void vocabFileAndVocabFolderLowercase() throws IOException {
        Path f = Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        for (BertTokenizer t : new BertTokenizer[] {BertTokenizer.fromPretrained(f), BertTokenizer.fromPretrained(tmp), BertTokenizer.fromPretrained(tmp.toString())}) {
            assertTrue(t.doLowerCase());
            assertEquals(List.of("hello", "world", "##s"), t.tokenize("HELLO Worlds"));
        }
    }

    @Test
    void tokenizerConfigTurnsLowercasingOff() throws IOException {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"do_lower_case\": false, \"unk_token\": {\"content\": \"<unk>\"}}");
        BertTokenizer t = BertTokenizer.fromPretrained(tmp);
        assertFalse(t.doLowerCase());
        assertFalse(t.stripAccents());
        assertEquals(5, t.unkId());
        assertEquals(List.of("<unk>", "hello"), t.tokenize("HELLO hello"));
    }

    @Test
    void specialTokensMap() throws IOException {
        Files.writeString(tmp.resolve("vocab.txt"), VOCAB);
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"unk_token\": \"<unk>\", \"mask_token\": {\"content\": \"[MASK]\", \"lstrip\": false}}");
        BertTokenizer t = BertTokenizer.fromPretrained(tmp);
        assertEquals(5, t.unkId());
        assertEquals(4, t.maskId());
    }

    @Test
    void tokenizerJsonAlone() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [{"id": 0, "content": "[PAD]", "special": true}, {"id": 6, "content": "hello", "special": false}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "<unk>": 5, "hello": 6, "world": 7, "##s": 8}}}
                """);
        BertTokenizer t = BertTokenizer.fromPretrained(tmp);
        assertFalse(t.doLowerCase());
        assertEquals(5, t.maxInputCharsPerWord());
        assertEquals(9, t.vocabSize());
        // no lowercasing; "worlds" is longer than 5 characters; the added token "hello" is cut out of the raw text
        assertEquals(List.of("[UNK]", "world", "[UNK]", "[UNK]", "hello", "[UNK]"), t.tokenize("Hello world worlds xhellox"));
    }

    @Test
    void modelNameInTheHuggingFaceCache() throws IOException {
        Path model = tmp.resolve("hub").resolve("models--google-bert--bert-base-chinese");
        Path snap = Files.createDirectories(model.resolve("snapshots").resolve("8f23c25b06e129b6c986331a13d8d025a92cf0ea"));
        Files.writeString(snap.resolve("vocab.txt"), VOCAB);
        Files.writeString(snap.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        Files.createDirectories(model.resolve("refs"));
        Files.writeString(model.resolve("refs").resolve("main"), "8f23c25b06e129b6c986331a13d8d025a92cf0ea\n");
        List<Path> tried = new ArrayList<>();
        Path found = PretrainedLoader.resolveInCache("bert-base-chinese", List.of(tmp.resolve("nowhere"), tmp.resolve("hub")), tried);
        assertNotNull(found, "tried " + tried);
        assertEquals(snap, found);
        assertFalse(PretrainedLoader.loadDir(found).doLowerCase());
        assertEquals(snap, PretrainedLoader.resolveInCache("google-bert/bert-base-chinese", List.of(tmp.resolve("hub")), new ArrayList<>()));
    }

    @Test
    void knownCasedNamesDoNotLowercaseWithoutConfig() {
        assertTrue(PretrainedLoader.casedByName("bert-base-chinese"));
        assertTrue(PretrainedLoader.casedByName("google-bert/bert-base-cased"));
        assertFalse(PretrainedLoader.casedByName("bert-base-uncased"));
        assertFalse(PretrainedLoader.casedByName("someone/my-bert"));
    }

    @Test
    void missingModelListsWhatWasTried() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BertTokenizer.fromPretrained("no-such-model-r4j"));
        assertTrue(e.getMessage().contains("no-such-model-r4j") && e.getMessage().contains("tried") && e.getMessage().contains("models--no-such-model-r4j"),
                e.getMessage());
    }

    @Test
    void folderWithoutVocabulary() throws IOException {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> BertTokenizer.fromPretrained(tmp));
        assertTrue(e.getMessage().contains("vocab.txt"), e.getMessage());
    }
}
