/*
 * decode and convert_ids_to_tokens against decode_examples.jsonl: the Rust library's decode (per-token
 * clean-up), transformers' decode (whole-string clean_up_tokenization), with and without special tokens,
 * and without clean-up.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DecodeTest {

    @Test
    void decodeExamplesMatch() {
        Path file = TestData.goldenDir().resolve("decode_examples.jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is absent; skipping");
        List<Map<String, Object>> records = TestData.jsonl(file);
        assertTrue(records.size() >= 48, "expected 16 texts x 3 configurations");
        for (Map<String, Object> r : records) {
            BertTokenizer tok = TestData.tokenizer((String) r.get("config"));
            String text = (String) r.get("text");
            String where = r.get("config") + " " + text;
            int[] ids = TestData.ints(r.get("ids"));
            assertArrayEquals(ids, tok.encode(text), where + " ids");
            assertEquals(r.get("convert_ids_to_tokens"), tok.convertIdsToTokens(ids), where + " tokens");
            assertEquals(r.get("rust_decode"), tok.decode(ids, false, TokenDecoder.Cleanup.TOKENIZERS), where + " rust_decode");
            assertEquals(r.get("rust_decode_skip_special"), tok.decode(ids, true, TokenDecoder.Cleanup.TOKENIZERS), where);
            assertEquals(r.get("transformers_decode"), tok.decode(ids, false, TokenDecoder.Cleanup.TRANSFORMERS), where);
            assertEquals(r.get("transformers_decode_skip_special"), tok.decode(ids), where);
            assertEquals(r.get("transformers_decode_skip_special_no_cleanup"), tok.decode(ids, true, TokenDecoder.Cleanup.NONE), where);
            assertArrayEquals(ids, tok.convertTokensToIds(tok.convertIdsToTokens(ids)), where + " token round trip");
        }
    }

    @Test
    void badIdIsRefusedWithItsValue() {
        BertTokenizer tok = TestData.tokenizer("bert-base-chinese.lower");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {101, 21128}));
        assertTrue(e.getMessage().contains("21128"), e.getMessage());
    }
}
