/*
 * Batch encoding (tokenizers' encode_batch / transformers' tokenizer(list_of_texts)): texts are cut into
 * one contiguous chunk per thread, balanced by character count; the calling thread encodes the first
 * chunk while daemon pool threads encode the others. Padding to the longest row or to a fixed length
 * gives transformers' input_ids / token_type_ids / attention_mask.
 */
package org.reformer4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

final class BatchEncoder {
    private BatchEncoder() {
    }

    private static final class Pool {
        static final ExecutorService INSTANCE = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "reformer4j-tokenizer");
            t.setDaemon(true);
            return t;
        });
    }

    static int[][] encodeAll(BertTokenizer tok, List<String> texts, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("tokenizer: encodeBatch needs threads >= 1, got " + threads);
        }
        int n = texts.size();
        int[][] out = new int[n][];
        if (threads == 1 || n < 2) {
            encodeRange(tok, texts, out, 0, n);
            return out;
        }
        long total = 0;
        for (String t : texts) {
            total += t.length() + 16;
        }
        int[] bounds = new int[threads + 1];
        long acc = 0;
        int chunk = 1;
        for (int i = 0; i < n && chunk < threads; i++) {
            acc += texts.get(i).length() + 16;
            if (acc * threads >= total * chunk) {
                bounds[chunk++] = i + 1;
            }
        }
        for (; chunk <= threads; chunk++) {
            bounds[chunk] = n;
        }
        List<Future<?>> futures = new ArrayList<>(threads - 1);
        for (int c = 1; c < threads; c++) {
            int from = bounds[c];
            int to = bounds[c + 1];
            if (from < to) {
                futures.add(Pool.INSTANCE.submit(() -> encodeRange(tok, texts, out, from, to)));
            }
        }
        encodeRange(tok, texts, out, bounds[0], bounds[1]);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("tokenizer: encodeBatch interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("tokenizer: encodeBatch failed in a worker thread: " + e.getCause(), e.getCause());
            }
        }
        return out;
    }

    private static void encodeRange(BertTokenizer tok, List<String> texts, int[][] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = tok.encode(texts.get(i));
        }
    }

    static BatchEncoding padded(BertTokenizer tok, List<String> texts, int maxLength, BatchEncoding.Padding padding) {
        if (padding == BatchEncoding.Padding.MAX_LENGTH && maxLength <= 0) {
            throw new IllegalArgumentException("tokenizer: padding MAX_LENGTH needs maxLength > 0, got " + maxLength);
        }
        int n = texts.size();
        int[][] ids = new int[n][];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = maxLength > 0 ? tok.encode(texts.get(i), maxLength) : tok.encode(texts.get(i));
            longest = Math.max(longest, ids[i].length);
        }
        int target = switch (padding) {
            case NONE -> -1;
            case LONGEST -> longest;
            case MAX_LENGTH -> maxLength;
        };
        if (target > 0 && tok.padId() < 0) {
            throw new IllegalArgumentException("tokenizer: padding " + padding + " needs a [PAD] token, and the vocabulary has none");
        }
        int[][] types = new int[n][];
        int[][] mask = new int[n][];
        for (int i = 0; i < n; i++) {
            int len = ids[i].length;
            int width = target > 0 ? Math.max(target, len) : len;
            int[] row = Arrays.copyOf(ids[i], width);
            Arrays.fill(row, len, width, tok.padId());
            ids[i] = row;
            types[i] = new int[width];
            mask[i] = new int[width];
            Arrays.fill(mask[i], 0, len, 1);
        }
        return new BatchEncoding(ids, types, mask);
    }
}
