/*
 * Agreement with HuggingFace tokenizers 0.23.2 on the golden records (corpus lines and edge cases) of
 * bert-base-chinese (lowercasing, and the Hub's do_lower_case=false) and bert-base-uncased: tokens,
 * ids with [CLS]/[SEP], ids truncated to 16. Both the fast encoder and the plain reference path are checked.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoldenTokenizerTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-base-chinese.lower", "bert-base-chinese.hub", "bert-base-uncased"})
    void agreesWithEveryGoldenRecord(String config) {
        Path file = TestData.goldenDir().resolve(config + ".jsonl");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is absent; skipping");
        BertTokenizer tok = TestData.tokenizer(config);
        List<Map<String, Object>> records = TestData.jsonl(file);
        assertTrue(records.size() > 50, "too few records in " + file);
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> r : records) {
            String id = (String) r.get("id");
            String text = (String) r.get("text");
            List<String> tokens = TestData.strings(r.get("tokens"));
            int[] ids = TestData.ints(r.get("ids"));
            int[] trunc = TestData.ints(r.get("ids_truncated_max_length_16"));
            List<String> gotTokens = tok.tokenize(text);
            int[] gotIds = tok.encode(text);
            int[] gotTrunc = tok.encode(text, 16);
            int[] ref = tok.referenceEncode(text)[0];
            int[] refIds = new int[ref.length + 2];
            refIds[0] = tok.clsId();
            System.arraycopy(ref, 0, refIds, 1, ref.length);
            refIds[ref.length + 1] = tok.sepId();
            if (!gotTokens.equals(tokens)) {
                failures.add(id + " tokens: expected " + tokens + " got " + gotTokens);
            }
            if (!Arrays.equals(gotIds, ids)) {
                failures.add(id + " ids: expected " + Arrays.toString(ids) + " got " + Arrays.toString(gotIds));
            }
            if (!Arrays.equals(gotTrunc, trunc)) {
                failures.add(id + " truncated ids: expected " + Arrays.toString(trunc) + " got " + Arrays.toString(gotTrunc));
            }
            if (!Arrays.equals(refIds, ids)) {
                failures.add(id + " reference-path ids: expected " + Arrays.toString(ids) + " got " + Arrays.toString(refIds));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())),
                failures.size() + " mismatches of " + records.size() + " records in " + file);
    }
}
