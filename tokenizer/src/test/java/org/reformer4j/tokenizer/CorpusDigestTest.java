/*
 * Every line of the shared corpus (20,684 lines) against corpus_digests.json: per corpus file and
 * configuration, the line count, total ids, total [UNK], and the sha256 over UTF-8 of each line's ids
 * (with [CLS]/[SEP]) joined by one space and followed by '\n'; on a mismatch the per-1000-line digests
 * name the first block that differs.
 */
package org.reformer4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CorpusDigestTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyCorpusLineMatchesTheDigests() throws IOException, NoSuchAlgorithmException {
        Path digests = TestData.goldenDir().resolve("corpus_digests.json");
        Assumptions.assumeTrue(Files.isRegularFile(digests), digests + " is absent; skipping");
        Path corpus = TestData.corpusDir();
        Map<String, Object> root = MiniJson.parseObject(Files.readString(digests, StandardCharsets.UTF_8));
        Map<String, Object> configs = (Map<String, Object>) root.get("configs");
        assertTrue(configs.size() >= 2, "expected both Chinese configurations in " + digests);
        int files = 0;
        for (var c : configs.entrySet()) {
            BertTokenizer tok = TestData.tokenizer(c.getKey());
            for (var f : ((Map<String, Object>) c.getValue()).entrySet()) {
                Map<String, Object> d = (Map<String, Object>) f.getValue();
                Path file = corpus.resolve(f.getKey());
                String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
                String where = c.getKey() + " " + f.getKey();
                assertEquals(((Number) d.get("lines")).intValue(), lines.length, where + " line count");
                MessageDigest all = MessageDigest.getInstance("SHA-256");
                MessageDigest block = MessageDigest.getInstance("SHA-256");
                List<Object> blocks = (List<Object>) d.get("sha256_per_1000_lines");
                long ids = 0;
                long unk = 0;
                for (int i = 0; i < lines.length; i++) {
                    int[] e = tok.encode(lines[i]);
                    StringBuilder sb = new StringBuilder();
                    for (int k = 0; k < e.length; k++) {
                        if (k > 0) {
                            sb.append(' ');
                        }
                        sb.append(e[k]);
                        if (e[k] == tok.unkId()) {
                            unk++;
                        }
                    }
                    sb.append('\n');
                    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                    all.update(bytes);
                    block.update(bytes);
                    ids += e.length;
                    if (i % 1000 == 999 || i == lines.length - 1) {
                        String got = HexFormat.of().formatHex(block.digest());
                        assertEquals(blocks.get(i / 1000), got, where + ": first differing block is lines " + (i / 1000 * 1000 + 1) + "-" + (i + 1));
                    }
                }
                assertEquals(((Number) d.get("ids_total")).longValue(), ids, where + " ids_total");
                assertEquals(((Number) d.get("unk_total")).longValue(), unk, where + " unk_total");
                assertEquals(d.get("sha256"), HexFormat.of().formatHex(all.digest()), where + " sha256");
                files++;
            }
        }
        assertEquals(10, files, "expected 5 corpus files x 2 configurations");
    }
}
