package org.reformer4j.model.attention;

import static org.reformer4j.model.attention.Arrays2.round;

import org.reformer4j.core.DType;
import org.reformer4j.core.cpu.FlatF32;
import org.reformer4j.core.cpu.Parallel;

/**
 * The decode-time state of one LSH attention layer (the role of HuggingFace's past buckets and states in
 * {@code LSHSelfAttention.forward}, with reformer-pytorch's sort-and-chunk window): per row (batch x head) the
 * projected shared query/key, the unit-normalised (rotary-turned) key and the value of every decoded position
 * (appended one at a time, or a prompt's at once by a prefill), and each position's bucket per round with per-bucket position lists; memory slots (after the tokens, as
 * reformer-pytorch appends them; a decoder's encoder keys are more slots, after the model's own, under a keep-mask)
 * likewise. The newest token is the last token of its bucket, so its sorted
 * index in round k is k*n + #(smaller buckets) + #(its bucket's tokens) - 1 (n = tokens + slots), and its
 * window is chunk c = index / bs and chunk c-1 (chunk 0 wraps to the last) of the current prefix's H*n sorted
 * items, found by walking the bucket lists: O(nBuckets + 2 bs dh) per round, no sort. Scores, masks (self -5e4,
 * other bucket, duplicate count) and the logsumexp mix of rounds are {@link LshChunks}'s and
 * {@link LshAttentionCore}'s: float64 loops for a float64 layer; a float32 layer keeps keys and values as floats
 * and runs the window's dot products and weighted sums as {@link FlatF32} vector kernels. Shapes: rows N, head dim dh.
 */
public final class LshDecodeState {
    /** Token slots [0, capacity), memory slots [capacity, capacity + mem): slot order is the sort's position order. */
    private final int rows, dh, capacity, mem, slots, bs, h;
    private final boolean acrossBuckets, allowDuplicates, f32;
    private final double scale, masked;
    /** Rotary inverse frequencies [dh/2], or null. */
    private final double[] invFreq;
    /** Per row [slots, dh]: projected qk, unit (turned) keys, values (float32 layers: as floats, keysF and valsF). */
    private final double[] raw, keys, vals;
    private final float[] keysF, valsF;
    private int len, nb;
    /** Whether {@link #attendLsh} splits its rows over threads (benchmarks turn it off to compare). */
    static volatile boolean parallelRows = true;
    /** Whether a float32 layer keeps keys and values as floats for the vector kernels (read at construction; benchmarks compare). */
    static volatile boolean floatKernels = true;
    /** Bucket of slot p in round k of row r at (r*h + k)*slots + p (no round offset). */
    private int[] bucket;
    /** Token positions and memory slots (ascending) in bucket list (r*h + k)*nb + b, and how many of each. */
    private int[][] lists, memLists;
    private int[] counts, memCounts;
    /** Keep-mask [rows * mem] of the memory slots (encoder keys under a context mask), or null: all kept. */
    private boolean[] memKeep;

    /** {@code memSlots} memory slots follow the tokens ({@link #setMemory} before the first token). */
    public LshDecodeState(int rows, int dh, int capacity, int memSlots, int bucketSize, int nHashes, boolean attendAcrossBuckets,
                          boolean allowDuplicateAttention, DType dtype, double[] invFreq) {
        if (invFreq != null && invFreq.length * 2 != dh) {
            throw new IllegalArgumentException("LshDecodeState: rotary needs dh/2 = " + dh / 2 + " frequencies, got " + invFreq.length);
        }
        this.rows = rows;
        this.dh = dh;
        this.capacity = capacity;
        this.mem = memSlots;
        this.slots = capacity + memSlots;
        this.bs = bucketSize;
        this.h = nHashes;
        this.acrossBuckets = attendAcrossBuckets;
        this.allowDuplicates = allowDuplicateAttention;
        this.f32 = dtype == DType.F32;
        this.scale = Math.pow(dh, -0.5);
        this.masked = Arrays2.maskValue(dtype);
        this.invFreq = invFreq;
        boolean asFloat = f32 && floatKernels;
        raw = new double[rows * slots * dh];
        keys = asFloat ? null : new double[rows * slots * dh];
        vals = asFloat ? null : new double[rows * slots * dh];
        keysF = asFloat ? new float[rows * slots * dh] : null;
        valsF = asFloat ? new float[rows * slots * dh] : null;
    }

    /**
     * The memory slots' projected qk and v, [rows, mem, dh] each (their keys are not turned: rotary positions
     * apply to the tokens only).
     */
    public void setMemory(double[] qk, double[] v) {
        if (qk.length != rows * mem * dh || v.length != rows * mem * dh) {
            throw new IllegalArgumentException("LshDecodeState: memory needs qk and v of " + rows + " x " + mem + " x " + dh + " values, got "
                    + qk.length + " and " + v.length);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < mem; j++) {
                int o = (r * slots + capacity + j) * dh, i = (r * mem + j) * dh;
                System.arraycopy(qk, i, raw, o, dh);
                putValue(o, v, i);
                unitKey(o, raw, o);
            }
        }
    }

    /**
     * Which memory slots each row may attend to, [rows * mem] (true = keep; null: all): encoder keys held as memory
     * slots after the model's own, under their context mask. A dropped slot scores the dtype's most negative value,
     * as the forward's input mask writes it, but keeps its place in the sort.
     */
    public void setMemoryMask(boolean[] keep) {
        if (keep != null && keep.length != rows * mem) {
            throw new IllegalArgumentException("LshDecodeState: a memory mask needs " + rows + " x " + mem + " entries, got " + keep.length);
        }
        memKeep = keep;
    }

    /** Whether slot p of row r is a memory slot its mask drops. */
    private boolean dropped(int r, int p) {
        return memKeep != null && p >= capacity && !memKeep[r * mem + p - capacity];
    }

    /** keys[o ..] = the unit vector of src[from .. from + dh) (rounded to float32 in a float32 layer). */
    private void unitKey(int o, double[] src, int from) {
        double ss = 0;
        for (int f = 0; f < dh; f++) ss += src[from + f] * src[from + f];
        double nrm = Math.max(Math.sqrt(ss), 1e-12);
        if (keysF != null) for (int f = 0; f < dh; f++) keysF[o + f] = (float) (src[from + f] / nrm);
        else for (int f = 0; f < dh; f++) keys[o + f] = round(f32, src[from + f] / nrm);
    }

    private void putValue(int o, double[] src, int from) {
        if (valsF != null) for (int f = 0; f < dh; f++) valsF[o + f] = (float) src[from + f];
        else System.arraycopy(src, from, vals, o, dh);
    }

    /** Positions held (the newest is length() - 1). */
    public int length() {
        return len;
    }

    public int rows() {
        return rows;
    }

    public int hashes() {
        return h;
    }

    /** The bucket count the held buckets were made for (0: none yet). */
    public int bucketCount() {
        return nb;
    }

    /** Appends a position: projected qk and v of every row, [rows * dh] each. Buckets are given after (see below). */
    public void append(double[] qk, double[] v) {
        if (len >= capacity) throw new IllegalArgumentException("LshDecodeState: all " + capacity + " positions are used");
        if (qk.length != rows * dh || v.length != rows * dh) {
            throw new IllegalArgumentException("LshDecodeState: a position needs qk and v of " + rows + " x " + dh + " values, got "
                    + qk.length + " and " + v.length);
        }
        int p = len;
        double[] q = new double[dh], sn = new double[dh / 2], cs = new double[dh / 2];
        angles(p, sn, cs);
        for (int r = 0; r < rows; r++) {
            int o = (r * slots + p) * dh;
            System.arraycopy(qk, r * dh, raw, o, dh);
            putValue(o, v, r * dh);
            turned(r, p, q, sn, cs);
            unitKey(o, q, 0);
        }
        len++;
    }

    /**
     * Appends {@code r} positions at once (a prompt's prefill): projected qk and v [rows, r, dh] each, kept as
     * {@link #append} keeps them one by one (unit, rotary-turned keys). Buckets are given after ({@link #setBuckets}).
     */
    public void append(double[] qk, double[] v, int r) {
        if (r < 0 || len + r > capacity) {
            throw new IllegalArgumentException("LshDecodeState: " + len + " of " + capacity + " positions are used; cannot append " + r);
        }
        if (qk.length != rows * r * dh || v.length != rows * r * dh) {
            throw new IllegalArgumentException("LshDecodeState: " + r + " positions need qk and v of " + rows + " x " + r + " x " + dh
                    + " values, got " + qk.length + " and " + v.length);
        }
        double[] q = new double[dh], sn = new double[dh / 2], cs = new double[dh / 2];
        for (int j = 0; j < r; j++) {
            int p = len + j;
            angles(p, sn, cs); // once per position for every row
            for (int row = 0; row < rows; row++) {
                int o = (row * slots + p) * dh, from = (row * r + j) * dh;
                System.arraycopy(qk, from, raw, o, dh);
                putValue(o, v, from);
                turned(row, p, q, sn, cs);
                unitKey(o, q, 0);
            }
        }
        len += r;
    }

    /** The projected qk of every held position, then of the memory slots, [rows, length + mem, dh] (to hash them all). */
    public double[] rawPrefix() {
        int n = len + mem;
        double[] out = new double[rows * n * dh];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(raw, r * slots * dh, out, r * n * dh, len * dh);
            System.arraycopy(raw, (r * slots + capacity) * dh, out, (r * n + len) * dh, mem * dh);
        }
        return out;
    }

    /**
     * Replaces every bucket by {@code all} [rows][H*(length + mem)] as {@link LshBuckets#hash} gives them for
     * {@link #rawPrefix} (round offsets k*nBuckets included) for {@code nBuckets} buckets: the prefix re-hashed
     * when the bucket count changes.
     */
    public void setBuckets(int nBuckets, int[][] all) {
        int n = len + mem;
        check(all, n, nBuckets);
        nb = nBuckets;
        bucket = new int[rows * h * slots];
        lists = new int[rows * h * nb][];
        memLists = new int[rows * h * nb][];
        counts = new int[rows * h * nb];
        memCounts = new int[rows * h * nb];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < h; k++) {
                for (int p = 0; p < n; p++) add(r, k, p < len ? p : capacity + p - len, all[r][k * n + p] - k * nb);
            }
        }
    }

    /** Buckets [rows][H] of the newest position (offsets included), under the bucket count already held. */
    public void setNewestBuckets(int nBuckets, int[][] newest) {
        if (nBuckets != nb) throw new IllegalStateException("LshDecodeState: buckets held for " + nb + " buckets, given for " + nBuckets);
        check(newest, 1, nBuckets);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < h; k++) add(r, k, len - 1, newest[r][k] - k * nb);
        }
    }

    private void check(int[][] b, int perRound, int nBuckets) {
        if (b.length != rows || b[0].length != h * perRound) {
            throw new IllegalArgumentException("LshDecodeState: buckets [" + b.length + ", " + b[0].length + "] for " + rows + " rows x "
                    + h + " rounds x " + perRound + " positions");
        }
        for (int[] row : b) {
            for (int j = 0; j < row.length; j++) {
                int v = row[j] - (j / perRound) * nBuckets;
                if (v < 0 || v >= nBuckets) {
                    throw new IllegalArgumentException("LshDecodeState: bucket " + row[j] + " of round " + j / perRound + " outside ["
                            + (j / perRound) * nBuckets + ", " + (j / perRound + 1) * nBuckets + ")");
                }
            }
        }
    }

    /** Adds slot p (a token below capacity, else a memory slot) to bucket b of round k, row r. */
    private void add(int r, int k, int p, int b) {
        bucket[(r * h + k) * slots + p] = b;
        boolean token = p < capacity;
        int[][] ls = token ? lists : memLists;
        int[] cs = token ? counts : memCounts;
        int li = (r * h + k) * nb + b, c = cs[li];
        int[] l = ls[li];
        if (l == null || l.length == c) ls[li] = l = java.util.Arrays.copyOf(l == null ? new int[0] : l, Math.max(8, 2 * c));
        l[c] = p;
        cs[li] = c + 1;
    }

    /** sn, cs [dh/2] = sin and cos of the rotary angles p * invFreq (as LshAttentionCore.rotate rounds them); none without rotary. */
    private void angles(int p, double[] sn, double[] cs) {
        if (invFreq == null) return;
        for (int i = 0; i < dh / 2; i++) {
            double ang = round(f32, p * invFreq[i]);
            sn[i] = round(f32, Math.sin(ang));
            cs[i] = round(f32, Math.cos(ang));
        }
    }

    /** qk of row r at position p turned by the rotary angle p * invFreq (as LshAttentionCore.rotate), into q. */
    private void turned(int r, int p, double[] q) {
        double[] sn = new double[dh / 2], cs = new double[dh / 2];
        angles(p, sn, cs);
        turned(r, p, q, sn, cs);
    }

    /** {@link #turned(int, int, double[])} with position p's sines and cosines given ({@link #angles}). */
    private void turned(int r, int p, double[] q, double[] sn, double[] cs) {
        int o = (r * slots + p) * dh;
        if (invFreq == null) {
            System.arraycopy(raw, o, q, 0, dh);
            return;
        }
        for (int i = 0; i < dh / 2; i++) {
            double a = raw[o + 2 * i], b = raw[o + 2 * i + 1];
            q[2 * i] = round(f32, round(f32, a * cs[i]) - round(f32, b * sn[i]));
            q[2 * i + 1] = round(f32, round(f32, b * cs[i]) + round(f32, a * sn[i]));
        }
    }

    /**
     * Causal full attention of the newest position over every held one and the memory slots (the layer at
     * lengths up to fullAttnThres): unit un-turned keys, self -5e4, softmax. Returns [rows * dh].
     */
    public double[] attendFull() {
        return attendSpan(0, true);
    }

    /**
     * Causal local attention of the newest position ({@link LocalAttention}'s rule for one query: windows of
     * {@code window} positions, look back one): the positions from the start of the window before its own,
     * unit un-turned keys, self -5e4, no memory slots. Returns [rows * dh].
     */
    public double[] attendLocal(int window) {
        return attendSpan(Math.max(0, ((len - 1) / window - 1) * window), false);
    }

    /** Softmax attention of the newest position over the held positions from {@code from} (and the memory slots). */
    private double[] attendSpan(int from, boolean withMemory) {
        int q = len - 1, n = len - from + (withMemory ? mem : 0);
        double[] out = new double[rows * dh], sc = new double[n], key = new double[dh];
        for (int r = 0; r < rows; r++) {
            int oq = (r * slots + q) * dh;
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                int p = slot(from, j), o = (r * slots + p) * dh;
                double ss = 0;
                for (int f = 0; f < dh; f++) ss += raw[o + f] * raw[o + f];
                double nrm = Math.max(Math.sqrt(ss), 1e-12), d = 0;
                for (int f = 0; f < dh; f++) key[f] = round(f32, raw[o + f] / nrm);
                for (int f = 0; f < dh; f++) d += raw[oq + f] * key[f];
                sc[j] = p == q ? LshAttentionCore.SELF_VALUE : dropped(r, p) ? masked : round(f32, round(f32, d) * scale);
                mx = Math.max(mx, sc[j]);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(sc[j] - mx);
            for (int j = 0; j < n; j++) {
                double w = Math.exp(sc[j] - mx) / sum;
                int o = (r * slots + slot(from, j)) * dh;
                for (int f = 0; f < dh; f++) out[r * dh + f] += w * (valsF != null ? valsF[o + f] : vals[o + f]);
            }
        }
        return out;
    }

    /** The j-th slot of a span: tokens from {@code from} to the newest, then the memory slots. */
    private int slot(int from, int j) {
        return from + j < len ? from + j : capacity + from + j - len;
    }

    /**
     * LSH attention of the newest position over its chunk windows of the current prefix, one per round, mixed
     * by the rounds' logsumexps. Needs the buckets of every held position ({@link #setBuckets},
     * {@link #setNewestBuckets}). Returns [rows * dh].
     */
    public double[] attendLsh() {
        if (nb == 0) throw new IllegalStateException("LshDecodeState: no buckets (setBuckets first)");
        double[] out = new double[rows * dh];
        // rows are independent: split over the CPU backend's threads (4-16 rows of ~100k multiply-adds each)
        Parallel.forRange(rows, parallelRows ? 1 : rows, (r0, r1) -> {
            double[] query = new double[dh], row = new double[2 * bs], lse = new double[h], bo = new double[h * dh];
            float[] queryF = keysF == null ? null : new float[dh], boF = keysF == null ? null : new float[h * dh];
            int[] pre = new int[h * (nb + 1)], kPos = new int[2 * bs], kRound = new int[2 * bs];
            for (int r = r0; r < r1; r++) attendRow(r, out, query, row, lse, bo, queryF, boF, pre, kPos, kRound);
        });
        return out;
    }

    /** {@link #attendLsh} of row r into out[r*dh ..], with the caller's scratch arrays. */
    private void attendRow(int r, double[] out, double[] query, double[] row, double[] lse, double[] bo, float[] queryF, float[] boF,
                           int[] pre, int[] kPos, int[] kRound) {
        int q = len - 1, n = len + mem, hl = h * n, c = Math.ceilDiv(hl, bs);
        prefix(r, pre);
        turned(r, q, query);
        if (queryF != null) for (int f = 0; f < dh; f++) queryF[f] = (float) query[f];
        for (int k = 0; k < h; k++) {
            int s = k * n + index(r, k, q, pre), ch = s / bs, prev = (ch - 1 + c) % c;
            int n1 = walk(r, ch * bs, Math.min(bs, hl - ch * bs), pre, kPos, kRound, 0);
            int nw = n1 + walk(r, prev * bs, Math.min(bs, hl - prev * bs), pre, kPos, kRound, n1);
            int bq = bucket[(r * h + k) * slots + q] + k * nb;
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < nw; j++) {
                int pk = kPos[j], o = (r * slots + pk) * dh;
                double d;
                if (queryF != null) {
                    d = FlatF32.dot(queryF, 0, keysF, o, dh);
                } else {
                    d = 0;
                    for (int f = 0; f < dh; f++) d += query[f] * keys[o + f];
                }
                double x = round(f32, round(f32, d) * scale);
                if (dropped(r, pk)) x = masked; // the input mask comes first, as in LshChunks
                if (pk == q) x = LshAttentionCore.SELF_VALUE;
                if (!acrossBuckets && bq != bucket[(r * h + kRound[j]) * slots + pk] + kRound[j] * nb) x = masked;
                if (!allowDuplicates) x = round(f32, x - duplicateLog(r, q, pk, pre, c));
                row[j] = x;
                mx = Math.max(mx, x);
            }
            double sum = 0;
            for (int j = 0; j < nw; j++) sum += exp(row[j] - mx);
            double l = round(f32, mx + Math.log(sum));
            lse[k] = l;
            if (boF != null) {
                java.util.Arrays.fill(boF, k * dh, (k + 1) * dh, 0f);
                for (int j = 0; j < nw; j++) FlatF32.axpy((float) exp(round(f32, row[j] - l)), valsF, (r * slots + kPos[j]) * dh, boF, k * dh, dh);
                for (int f = 0; f < dh; f++) bo[k * dh + f] = boF[k * dh + f];
                continue;
            }
            java.util.Arrays.fill(bo, k * dh, (k + 1) * dh, 0.0);
            for (int j = 0; j < nw; j++) {
                double pr = round(f32, exp(round(f32, row[j] - l)));
                int o = (r * slots + kPos[j]) * dh;
                for (int f = 0; f < dh; f++) bo[k * dh + f] += pr * vals[o + f];
            }
            for (int f = 0; f < dh; f++) bo[k * dh + f] = round(f32, bo[k * dh + f]);
        }
        double mx = Double.NEGATIVE_INFINITY, sum = 0;
        for (int k = 0; k < h; k++) mx = Math.max(mx, lse[k]);
        for (int k = 0; k < h; k++) sum += Math.exp(lse[k] - mx);
        double all = round(f32, mx + Math.log(sum));
        for (int k = 0; k < h; k++) {
            double wk = round(f32, Math.exp(round(f32, lse[k] - all)));
            for (int f = 0; f < dh; f++) out[r * dh + f] += wk * bo[k * dh + f];
        }
    }

    private static double exp(double x) {
        return x < -750 ? 0 : Math.exp(x);
    }

    /** pre[k*(nb+1) + b] = #items (tokens and memory slots) of row r in round k with a bucket below b. */
    private void prefix(int r, int[] pre) {
        for (int k = 0; k < h; k++) {
            int o = k * (nb + 1), ci = (r * h + k) * nb;
            pre[o] = 0;
            for (int b = 0; b < nb; b++) pre[o + b + 1] = pre[o + b] + counts[ci + b] + memCounts[ci + b];
        }
    }

    /** Index of slot p within round k's sorted order (by bucket, then position: tokens before memory slots). */
    private int index(int r, int k, int p, int[] pre) {
        int b = bucket[(r * h + k) * slots + p], li = (r * h + k) * nb + b;
        int at = p < capacity ? java.util.Arrays.binarySearch(lists[li], 0, counts[li], p)
                : counts[li] + java.util.Arrays.binarySearch(memLists[li], 0, memCounts[li], p);
        return pre[k * (nb + 1) + b] + at;
    }

    /**
     * The positions (and rounds) of n sorted items from index s0 of row r into pos/round from {@code at}: the
     * round's bucket found on the prefix counts, then bucket lists in order (crossing into the next round).
     */
    private int walk(int r, int s0, int n, int[] pre, int[] pos, int[] round, int at) {
        int per = len + mem, k = s0 / per, i = s0 % per, o = k * (nb + 1);
        int b = 0;
        while (pre[o + b + 1] <= i) b++;
        for (int j = 0; j < n; j++) {
            while (pre[o + b + 1] <= i) b++;
            int li = (r * h + k) * nb + b, off = i - pre[o + b];
            pos[at + j] = off < counts[li] ? lists[li][off] : memLists[li][off - counts[li]];
            round[at + j] = k;
            if (++i == per && j + 1 < n) {
                k++;
                i = 0;
                b = 0;
                o = k * (nb + 1);
            }
        }
        return n;
    }

    /**
     * log(count + 1e-9) in float32 of query a and key b (LshChunks' duplicate correction): over rounds, whether
     * b's chunk, or the chunk after it (which looks back onto it), is a's chunk; bucket-qualified when buckets
     * may not be crossed.
     */
    private double duplicateLog(int r, int a, int b, int[] pre, int c) {
        int count = 0;
        for (int k = 0; k < h; k++) {
            long la = location(r, k, a, pre, c), lb = location(r, k, b, pre, c);
            long lb2 = acrossBuckets ? (lb + 1) % c : lb - lb % c + (lb % c + 1) % c;
            if (la == lb) count++;
            if (la == lb2) count++;
        }
        return (float) Math.log((float) count + 1e-9f);
    }

    /** Chunk of position p in round k (plus bucket * chunks when buckets may not be crossed). */
    private long location(int r, int k, int p, int[] pre, int c) {
        long l = ((long) k * (len + mem) + index(r, k, p, pre)) / bs;
        if (!acrossBuckets) l += (long) (bucket[(r * h + k) * slots + p] + k * nb) * c;
        return l;
    }
}
