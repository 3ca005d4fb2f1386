/*
 * Encoded texts of a batch, padded to a common length when padding was asked for (transformers'
 * tokenizer(texts, padding=..., truncation=..., max_length=...) -> input_ids, token_type_ids,
 * attention_mask). Rows are [CLS] + tokens + [SEP], then [PAD] ids with mask 0.
 */
package org.reformer4j.tokenizer;

public record BatchEncoding(int[][] inputIds, int[][] tokenTypeIds, int[][] attentionMask) {
    /** How a batch is padded. */
    public enum Padding {
        /** no padding: rows keep their own lengths */
        NONE,
        /** pad every row to the longest row of the batch (transformers' padding=True / "longest") */
        LONGEST,
        /** pad every row to maxLength (transformers' padding="max_length") */
        MAX_LENGTH
    }

    public int size() {
        return inputIds.length;
    }
}
