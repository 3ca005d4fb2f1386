/*
 * Batch encoding (tokenizers' encode_batch / transformers' tokenizer(list_of_texts)): texts are cut into
 * contiguous pieces (8 per thread, balanced by character count) that the calling thread and daemon pool
 * threads claim one after another. Padding to the longest row or to a fixed length
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
import java.util.concurrent.atomic.AtomicInteger;

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
        // pieces balanced by characters, several per thread, claimed dynamically so that a thread slowed
        // down by other work on the machine does not hold the others up
        int pieces = Math.min(n, threads * 8);
        long total = 0;
        for (String t : texts) {
            total += t.length() + 16;
        }
        int[] bounds = new int[pieces + 1];
        long acc = 0;
        int piece = 1;
        for (int i = 0; i < n && piece < pieces; i++) {
            acc += texts.get(i).length() + 16;
            if (acc * pieces >= total * piece) {
                bounds[piece++] = i + 1;
            }
        }
        for (; piece <= pieces; piece++) {
            bounds[piece] = n;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
                encodeRange(tok, texts, out, bounds[p], bounds[p + 1]);
            }
        };
        List<Future<?>> futures = new ArrayList<>(threads - 1);
        for (int c = 1; c < threads; c++) {
            futures.add(Pool.INSTANCE.submit(worker));
        }
        worker.run();
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
