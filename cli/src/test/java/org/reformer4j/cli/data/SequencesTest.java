/*
 * Sequences: windows keep every next-token pair of a document exactly once; the held-out split is a
 * partition and repeats for a seed; the unigram baseline against a hand computation.
 */
package org.reformer4j.cli.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reformer4j.tokenizer.BertTokenizer;
import org.reformer4j.tokenizer.Vocabulary;

class SequencesTest {
    static BertTokenizer charTokenizer() {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (char c = 'a'; c <= 'z'; c++) v.add(String.valueOf(c));
        for (char c : "今天气很好".toCharArray()) v.add(String.valueOf(c));
        return BertTokenizer.builder(Vocabulary.of(v)).build();
    }

    @Test
    void windowsCoverEveryNextTokenPairOnce() {
        BertTokenizer tok = charTokenizer();
        String doc = "今天天气很好今天天气很好今天天气很好今天"; // 20 characters -> 22 tokens with [CLS] [SEP]
        int[] ids = tok.encode(doc);
        for (int window : new int[] {2, 3, 5, 8, 21, 22, 40}) {
            List<long[]> seqs = Sequences.encode(tok, List.of(doc), window);
            List<String> pairs = new ArrayList<>();
            for (long[] s : seqs) {
                assertTrue(s.length >= 2 && s.length <= window, "window " + window + " gives a sequence of " + s.length);
                for (int i = 1; i < s.length; i++) pairs.add(s[i - 1] + ">" + s[i]);
            }
            List<String> expected = new ArrayList<>();
            for (int i = 1; i < ids.length; i++) expected.add(ids[i - 1] + ">" + ids[i]);
            assertEquals(expected, pairs, "window " + window);
        }
    }

    @Test
    void splitIsAPartitionThatRepeatsForASeed() {
        List<long[]> seqs = new ArrayList<>();
        for (int i = 0; i < 50; i++) seqs.add(new long[] {2, 5 + i, 3});
        Sequences.Split a = Sequences.split(seqs, 0.1, 7), b = Sequences.split(seqs, 0.1, 7), c = Sequences.split(seqs, 0.1, 8);
        assertEquals(5, a.validation().size());
        assertEquals(45, a.train().size());
        List<Long> all = new ArrayList<>();
        for (long[] s : a.train()) all.add(s[1]);
        for (long[] s : a.validation()) all.add(s[1]);
        assertEquals(50, all.stream().distinct().count());
        assertEquals(ids(a.validation()), ids(b.validation()));
        assertNotEquals(ids(a.validation()), ids(c.validation()));
    }

    private static List<Long> ids(List<long[]> s) {
        return s.stream().map(x -> x[1]).toList();
    }

    @Test
    void unigramBaselineByHand() {
        // vocabulary 4; training targets: 1, 1, 2 (from sequences [0 1 1] and [0 2]); add-one counts 3, 2, 1, 1 over 7
        List<long[]> train = List.of(new long[] {0, 1, 1}, new long[] {0, 2});
        List<long[]> eval = List.of(new long[] {0, 1, 3});
        double expected = -(Math.log(3.0 / 7) + Math.log(1.0 / 7)) / 2;
        assertEquals(expected, Sequences.unigramLoss(train, eval, 4), 1e-12);
    }
}
