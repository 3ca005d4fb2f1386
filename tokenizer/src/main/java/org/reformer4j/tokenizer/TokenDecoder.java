/*
 * ids -> text, as HuggingFace decodes BERT ids: tokens joined by spaces, "##" pieces glued to the one
 * before (tokenizers' decoders::WordPiece); optionally special tokens skipped ([UNK] is one); then the
 * clean-up of spaces before punctuation and contractions, either token by token as the Rust decoder does
 * (cleanup=true) or over the whole string as transformers' clean_up_tokenization does.
 */
package org.reformer4j.tokenizer;

public final class TokenDecoder {
    /** Which space clean-up to apply. */
    public enum Cleanup {
        /** tokens joined, "##" glued, nothing else (transformers with clean_up_tokenization_spaces=False) */
        NONE,
        /** the Rust WordPiece decoder's per-token clean-up (tokenizers' Tokenizer.decode) */
        TOKENIZERS,
        /** transformers' clean_up_tokenization over the whole text (its decode default for BERT in v4) */
        TRANSFORMERS
    }

    private TokenDecoder() {
    }

    static String decode(BertTokenizer tok, int[] ids, boolean skipSpecial, Cleanup cleanup) {
        StringBuilder sb = new StringBuilder();
        int kept = 0;
        for (int id : ids) {
            if (id < 0 || id >= tok.vocabSize()) {
                throw new IllegalArgumentException("tokenizer: decode got id " + id + ", outside the vocabulary [0, " + tok.vocabSize() + ")");
            }
            if (skipSpecial && tok.isSpecial(id)) {
                continue;
            }
            String t = tok.idToToken(id);
            if (kept > 0) {
                if (t.startsWith("##")) {
                    t = t.substring(2);
                } else {
                    t = " " + t;
                }
            }
            if (cleanup == Cleanup.TOKENIZERS) {
                t = rustCleanup(t);
            }
            sb.append(t);
            kept++;
        }
        String out = sb.toString();
        return cleanup == Cleanup.TRANSFORMERS ? transformersCleanup(out) : out;
    }

    /** tokenizers' decoders::wordpiece::cleanup, applied to one token (with its leading space). */
    static String rustCleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'").replace(" n't", "n't")
                .replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** transformers' PreTrainedTokenizerBase.clean_up_tokenization. */
    static String transformersCleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'").replace(" n't", "n't")
                .replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }
}
