/*
 * One encoded input, as HuggingFace's BatchEncoding holds it for one text (or pair): input ids with
 * [CLS]/[SEP], token type ids (0 for the first text, 1 for the second), the attention mask (1 = token,
 * 0 = padding), and for each token the span [start, end) of the text it came from, in UTF-16 units of
 * that text ((0, 0) for [CLS], [SEP] and padding, as HuggingFace reports them).
 */
package org.reformer4j.tokenizer;

public record Encoding(int[] ids, int[] typeIds, int[] attentionMask, int[] offsetStarts, int[] offsetEnds) {
    public int length() {
        return ids.length;
    }
}
