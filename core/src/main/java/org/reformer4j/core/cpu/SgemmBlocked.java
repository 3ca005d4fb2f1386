package org.reformer4j.core.cpu;

import java.util.Arrays;

/**
 * Cache-blocked float32 GEMM in the GotoBLAS/BLIS layout: loop over column blocks of {@code nc}, depth
 * blocks of {@code kc} (pack a kc x nc block of op(B) into micro-panels of {@code nr} columns, kept in L2)
 * and row blocks of {@code mc} (pack an mc x kc block of op(A) into micro-panels of {@code mr} rows), then
 * run the register micro-kernel over every mr x nr tile, each A micro-panel held in L1 while B's pass by.
 * Packing reads any strides, so transposed operands cost nothing beyond the packing every product pays.
 * The 12- and 8-row kernels do not pack row-major A: small A is read where it lies, large A is copied by rows (see {@link #direct}
 * and {@link #rowCopy}) for the direct kernels, which read each row panel's rows in place.
 * Edge tiles go through a scratch tile. Threads share the packed blocks; buffers are reused across calls.
 */
final class SgemmBlocked {
    /** Tiling and micro-kernel: kernel 0 = scalar, vector 1 = 12x2, 2 = 6x4, 3 = 10x2, 4 = 8x2 (x VL columns). */
    record Plan(int kernel, int mr, int nr, int kc, int mc, int nc) {
        Plan {
            if (mr < 1 || nr < 1 || kc < 1 || mc < mr || nc < nr) {
                throw new IllegalArgumentException("sgemm: bad blocking " + this);
            }
            mc -= mc % mr;
            nc -= nc % nr;
        }

        /**
         * This plan for a product of depth k: when k is below kc, the B block keeps its size by growing
         * wider (fewer column blocks, so A is packed fewer times), up to n.
         */
        Plan forDepth(int k, int n) {
            if (k >= kc) return this;
            long wide = Math.min((long) nc * kc / Math.max(1, k), (long) n + nr);
            return wide <= nc ? this : new Plan(kernel, mr, nr, Math.max(1, k), mc, (int) wide);
        }
    }

    /** The scalar plan: same tile shape as the AVX-512 kernel, loops left to the JIT's auto-vectoriser. */
    static final Plan SCALAR = new Plan(0, 12, 32, 256, 144, 1024);
    /**
     * The plan for the Vector API kernels, measured against OpenBLAS on the development machine (Xeon,
     * 48 KiB L1d and 2 MiB L2 per core): kc 512 keeps a 12 x 512 A micro-panel (24 KiB) in L1; a 512 x 512
     * B block (1 MiB) with the rows it was packed from stays in L2. The system properties
     * {@code reformer4j.sgemm.kernel}, {@code .kc}, {@code .mc} and {@code .nc} override it.
     */
    static final Plan VECTOR = VectorSupport.ENABLED ? vectorPlan() : null;

    /** Work items per thread in a parallel block, for load balancing by stealing. */
    static final int PARTS_PER_THREAD = 4;

    private SgemmBlocked() {}

    private static Plan vectorPlan() {
        int version = Integer.getInteger("reformer4j.sgemm.kernel", 1);
        int vl = SgemmVector.VL;
        int kc = Integer.getInteger("reformer4j.sgemm.kc", 512);
        int mc = Integer.getInteger("reformer4j.sgemm.mc", 96);
        int nc = Integer.getInteger("reformer4j.sgemm.nc", 512);
        return switch (version) {
            case 2 -> new Plan(2, 6, 4 * vl, kc, mc, nc);
            case 3 -> new Plan(3, 10, 2 * vl, kc, mc, nc);
            default -> new Plan(1, 12, 2 * vl, kc, mc, nc);
        };
    }

    /** The vector plan for row counts that are multiples of 8 but not of 12 (a whole last panel). */
    static final Plan VECTOR8 = VectorSupport.ENABLED && VECTOR.kernel() == 1
            ? new Plan(4, 8, VECTOR.nr(), VECTOR.kc(), Math.max(8, VECTOR.mc() - VECTOR.mc() % 8), VECTOR.nc())
            : VECTOR;

    /**
     * The default plan for a product with m rows: small products whose rows fill 8-row panels exactly but
     * would leave the 12-row kernel a partial last panel take the 8-row kernel.
     */
    static Plan planFor(int m) {
        if (!VectorSupport.ENABLED) return SCALAR;
        return m <= 384 && m % 12 != 0 && m % 8 == 0 ? VECTOR8 : VECTOR;
    }

    /**
     * The plan for a product of m x n x k with A's column stride csA: {@link #planFor(int)}'s, except that a large
     * product of at most {@link #WIDE_ROWS} rows whose A is packed (not read in place, see {@link #direct}) takes the
     * 6 x 4-vector kernel ({@link #WIDE}), unless n is below 512 (with A row-major: unless {@link #rowCopy} is off).
     * Measured on AMD EPYC (Zen 4), the 12-row kernel on rows copied by {@link #rowCopy} against the 6 x 4 kernel on
     * gathered panels: 1016 x 128 x 512 (B transposed or not) 1.22-1.23x, 1016 x 128 x 21128 1.28x on 2 threads (1.18-1.33x on
     * one), but 0.96-1.02x with n of 512 and more (1016 x 512 x 128, 1016 x 21128 x 128, 1024^3). The rest, an empirical rule measured with
     * {@code GemmAB} (both plans in one JVM, alternating) on the development machine, 2 threads: the 6 x 4 kernel ran
     * 1.00-1.47x on the seed model's 1016-row layer and vocabulary products (A row-major, any n; A transposed with n
     * 512 or 21128), 0.79-1.16x at 1024^3, 0.89-1.05x at 2048^3, 1.18-1.35x on 256 x 768-1024 x 4096 with A
     * transposed (each figure one run of 10-16 alternations; over four runs 1024^3 gave 1.16, 1.11, 0.79 and 1.09x, and
     * the seed's 1016 x 512 x 128 and 1016 x 128 x 512 never less than 1.02x); but 0.85-0.88x on 4096 x 256 x 256,
     * 0.86x on 4096 x 256 x 1024, and with A transposed and n of 128 or 256: 0.78-0.99x on 512 x 128 x 1016, 0.63x on 1024 x 256 x 4096, 0.89x on 256 x 256 x 4096 (why these lose is
     * not established); 1 thread 0.93-1.10x. The small products read in place stay on the 12- and 8-row kernels (the
     * 6 x 4 kernel, which packs them, was 0.79-0.95x there). The 8-row kernel of {@link #planFor(int)} is for small
     * products only: on large packed ones (transposed A, n below 512) the 12-row kernel with its partial last panel ran
     * 1.06-1.37x faster on two threads and 1.01-1.14x on one (256 x 256 x 4096, 128 x 256 x 4096, 256 x 128 x 2048,
     * 320 x 256 x 4096, 64 x 256 x 8192, all A transposed; the plans alternating in one JVM, bench/RESULTS.md tenth
     * session). Every kernel sums each element over k in the same order:
     * the same bits whichever plan runs.
     */
    static Plan planFor(int m, int n, int k, int csA) {
        Plan p = planFor(m);
        boolean large = (long) m * n * k >= WIDE_MACS, direct = direct(p, m, k, csA); // the 12- and 8-row kernels both read A in place
        if (!large || direct) return p;
        if (p == VECTOR8) p = VECTOR;
        return WIDE == null || p.kernel() == 0 || m > WIDE_ROWS || (n < 512 && (csA != 1 || rowCopy)) ? p : WIDE;
    }

    /**
     * {@link #planFor(int, int, int, int)} knowing A's row stride too: a transposed A (unit row stride, each step of k
     * a run of the rows' values) whose rows are a multiple of 8, at most {@link #TRANSPOSED_ROWS}, takes the 8-row plan,
     * whose kernel reads it where it lies ({@link #transposedDirect}) at any size: weight gradients X^T dY need no
     * packing. GemmAB on AMD EPYC (Zen 4), against the plans before, 2 threads: 256x256x4096:tn 1.18-1.32x,
     * 256x256x16384:tn 1.22x, 128x512x1016:tn 1.26x, 512x128x1016:tn 1.15-1.16x, 128x21128x1016:tn 1.04x, 1024x256x2048:tn
     * 0.96-1.07x, 256x1024x2048:tn 1.00-1.03x; one thread 0.95-1.13x. Inside the seed's step the first three of its
     * weight-gradient shapes ran 132.8-145.0 against 147.8-173.6 GFLOP/s; by turns the seed step won 3 of 4 rounds (0.948)
     * and lsh4k's 3 of 4 (0.894). Same bits (every kernel sums in the same order).
     */
    static Plan planFor(int m, int n, int k, int rsA, int csA) {
        boolean transposed = rsA == 1 && csA != 1 && m % 8 == 0 && m <= TRANSPOSED_ROWS;
        if (transposed && transposedDirect && VECTOR8 != null && VECTOR8.kernel() == 4) return VECTOR8;
        return planFor(m, n, k, csA);
    }

    /** The most rows of a transposed A that {@link #planFor(int, int, int, int, int)} reads in place (the largest measured). */
    static final int TRANSPOSED_ROWS = 1024;

    /** The most rows of a product that {@link #planFor(int, int, int, int)} gives {@link #WIDE} (2048^3 stays: 0.89-1.05x). */
    static final int WIDE_ROWS = 1536;

    /** The 6 x 4-vector plan of {@link #planFor(int, int, int, int)} (null without the Vector API or with a kernel chosen by property). */
    static final Plan WIDE = VectorSupport.ENABLED && VECTOR.kernel() == 1 && System.getProperty("reformer4j.sgemm.kernel") == null
            ? new Plan(2, 6, 4 * SgemmVector.VL, VECTOR.kc(), VECTOR.mc(), VECTOR.nc()) : null;

    /** Products below this many multiply-adds keep {@link #planFor(int)}'s plan. */
    static final long WIDE_MACS = 1L << 22;

    /** Per-thread packing buffers, grown on demand and kept. */
    static final class Workspace {
        float[] ap = new float[0], bp = new float[0], bp2 = new float[0], tile = new float[0], acc = new float[0];
        float[] row = new float[0];
        final int[] idx = new int[256];

        float[] row(int n) {
            if (row.length < n) row = new float[n];
            return row;
        }

        /** Sizes the two B buffers (the caller's, shared by its helpers). */
        void ensureB(Plan pl) {
            int bNeed = pl.nc() * pl.kc();
            if (bp.length < bNeed) bp = new float[bNeed];
            if (bp2.length < bNeed) bp2 = new float[bNeed];
        }

        /** Sizes the A buffer and scratch tile (each thread's own). */
        void ensureA(Plan pl) {
            int aNeed = pl.mc() * pl.kc();
            if (ap.length < aNeed) ap = new float[aNeed];
            ensureTile(pl);
        }

        private void ensureTile(Plan pl) {
            int tNeed = pl.mr() * pl.nr();
            if (tile.length < tNeed) {
                tile = new float[tNeed];
                acc = new float[tNeed];
            }
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static Workspace workspace() {
        return WORKSPACE.get();
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} on up to {@code threads} threads; arguments already validated.
     * The threads share each packed B block (in the caller's workspace; they pack it together, panel
     * ranges apiece) and split its work by row panels, each packing its own A blocks. B is double
     * buffered: while multiplying with block t, each part packs its share of block t+1, so there is one
     * fork-join per block. When rows divide less evenly than columns, each thread multiplies a column
     * stripe on its own.
     */
    static void gemm(Plan plan, int threads, int m, int n, int k, float alpha, float[] a, int aOff, int rsA,
                     int csA, float[] b, int bOff, int rsB, int csB, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        Plan pl = plan.forDepth(k, n);
        int mr = pl.mr(), nr = pl.nr(), mPanels = (m + mr - 1) / mr;
        boolean stripes = threads > 1 && (long) m * k <= STRIPE_A_FLOATS && n >= 2L * threads * pl.nc();
        if (threads > 1 && (stripes || !splitRows(mPanels, (Math.min(n, pl.nc()) + nr - 1) / nr, threads))) {
            // few rows: each thread takes a stripe of columns and runs the whole product on it alone
            // (nothing packed twice but the small A), with one fork-join in all
            int nPanels = (n + nr - 1) / nr;
            Parallel.forParts(nPanels, threads, (q0, q1) -> {
                int j0 = q0 * nr, j1 = Math.min(n, q1 * nr);
                gemm(pl, 1, m, j1 - j0, k, alpha, a, aOff, rsA, csA, b, bOff + j0 * csB, rsB, csB,
                        beta, c, cOff + j0, ldc);
            });
            return;
        }
        Workspace ws = workspace();
        ws.ensureB(pl);
        boolean direct = direct(pl, m, k, csA);
        int kBlocks = (k + pl.kc() - 1) / pl.kc(), blocks = kBlocks * ((n + pl.nc() - 1) / pl.nc());
        // more parts than threads: a thread that falls behind (preempted, slower core) has its remaining
        // parts stolen by the others
        int parts = Math.min(mPanels, threads == 1 ? 1 : threads * PARTS_PER_THREAD);
        Parallel.forParts(parts, parts, (p0, p1) -> {
            for (int part = p0; part < p1; part++) {
                packBShare(pl, 0, kBlocks, part, parts, n, k, b, bOff, rsB, csB, ws.bp);
            }
        });
        for (int t = 0; t < blocks; t++) {
            int block = t, jc = (t / kBlocks) * pl.nc(), pc = (t % kBlocks) * pl.kc();
            int nc = Math.min(pl.nc(), n - jc), kc = Math.min(pl.kc(), k - pc);
            float[] cur = (t & 1) == 0 ? ws.bp : ws.bp2, next = (t & 1) == 0 ? ws.bp2 : ws.bp;
            float betaBlock = pc == 0 ? beta : 1f;
            int aIdx = aOff + pc * csA, cIdx = cOff + jc;
            // one fork-join per block: each part multiplies its rows with the current B block, then
            // packs its share of the next one into the other buffer
            Parallel.forParts(parts, parts, (p0, p1) -> {
                for (int part = p0; part < p1; part++) {
                    int q0 = (int) ((long) mPanels * part / parts);
                    int q1 = (int) ((long) mPanels * (part + 1) / parts);
                    rowBlocks(pl, q0 * mr, Math.min(m, q1 * mr), 0, nc, kc, alpha, a, aIdx, rsA, csA, direct,
                            betaBlock, c, cIdx, ldc, cur);
                    if (block + 1 < blocks) {
                        packBShare(pl, block + 1, kBlocks, part, parts, n, k, b, bOff, rsB, csB, next);
                    }
                }
            });
        }
    }

    /** Packs share {@code part} of {@code parts} of B block {@code block}'s column panels into {@code dst}. */
    private static void packBShare(Plan pl, int block, int kBlocks, int part, int parts, int n, int k,
                                   float[] b, int bOff, int rsB, int csB, float[] dst) {
        int jc = (block / kBlocks) * pl.nc(), pc = (block % kBlocks) * pl.kc(), nr = pl.nr();
        int nc = Math.min(pl.nc(), n - jc), kc = Math.min(pl.kc(), k - pc), nPanels = (nc + nr - 1) / nr;
        int q0 = (int) ((long) nPanels * part / parts), q1 = (int) ((long) nPanels * (part + 1) / parts);
        if (q0 >= q1) return;
        int j0 = q0 * nr, cols = Math.min(nc, q1 * nr) - j0;
        packB(pl, kc, cols, b, bOff + pc * rsB + (jc + j0) * csB, rsB, csB, dst, j0 * kc, workspace());
    }

    /**
     * {@code C = alpha op(A) B + beta C} on the calling thread with B already in panels of {@code nr} columns (a caller
     * that multiplies the same B, or overlapping windows of it, many times packs it once: {@link Sgemm#packPanels}):
     * column panel q holds {@code bp[bOff + q*ps + p*nr + j] = B(p, q*nr + j)}. The same k blocks, kernels and order of
     * sums as {@link #gemm} on one thread with this plan (whose nr the panels must have), so the same bits.
     */
    static void gemmPanels(Plan plan, int m, int n, int k, float alpha, float[] a, int aOff, int rsA, int csA,
                           float[] bp, int bOff, int ps, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        Plan pl = plan.forDepth(k, n);
        Workspace ws = workspace();
        ws.ensureA(pl);
        int nr = pl.nr();
        boolean direct = direct(pl, m, k, csA);
        for (int pc = 0; pc < k; pc += pl.kc()) {
            int kc = Math.min(pl.kc(), k - pc), aIdx = aOff + pc * csA, bBase = bOff + pc * nr;
            float betaBlock = pc == 0 ? beta : 1f;
            if (direct) {
                macroDirect(pl, m, 0, n, kc, alpha, a, aIdx, rsA, betaBlock, c, cOff, ldc, bp, bBase, ps, ws);
                continue;
            }
            if (transposedDirect(pl, m, rsA)) {
                macroTransposed(pl, m, 0, n, kc, alpha, a, aIdx, csA, betaBlock, c, cOff, ldc, bp, bBase, ps, ws);
                continue;
            }
            for (int ic = 0; ic < m; ic += pl.mc()) {
                int mc = Math.min(pl.mc(), m - ic);
                packA(pl, mc, kc, a, aIdx + ic * rsA, rsA, csA, ws.ap, 0, ws);
                macro(pl, 0, mc, 0, n, kc, alpha, betaBlock, c, cOff + ic * ldc, ldc, ws.ap, bp, bBase, ps, ws);
            }
        }
    }

    /**
     * One thread's share of a packed B block: rows [i0, i1) in blocks of mc, each packed into the thread's
     * own A buffer, times B's column panels [j0, j1).
     */
    private static void rowBlocks(Plan pl, int i0, int i1, int j0, int j1, int kc, float alpha, float[] a,
                                  int aIdx, int rsA, int csA, boolean direct, float beta, float[] c, int cIdx, int ldc, float[] bp) {
        Workspace own = workspace();
        own.ensureA(pl);
        if (direct) {
            macroDirect(pl, i1 - i0, j0, j1, kc, alpha, a, aIdx + i0 * rsA, rsA, beta, c, cIdx + i0 * ldc, ldc, bp, own);
            return;
        }
        if (transposedDirect(pl, i1 - i0, rsA)) {
            macroTransposed(pl, i1 - i0, j0, j1, kc, alpha, a, aIdx + i0 * rsA, csA, beta, c, cIdx + i0 * ldc, ldc,
                    bp, 0, pl.nr() * kc, own);
            return;
        }
        boolean copyRows = rowCopy && csA == 1 && (pl.kernel() == 1 || pl.kernel() == 4);
        for (int ic = i0; ic < i1; ic += pl.mc()) {
            int mc = Math.min(pl.mc(), i1 - ic);
            if (copyRows) {
                // the block's rows copied whole (kc floats apiece, one after another), then read in place
                for (int i = 0; i < mc; i++) System.arraycopy(a, aIdx + (ic + i) * rsA, own.ap, i * kc, kc);
                macroDirect(pl, mc, j0, j1, kc, alpha, own.ap, 0, kc, beta, c, cIdx + ic * ldc, ldc, bp, own);
                continue;
            }
            packA(pl, mc, kc, a, aIdx + ic * rsA, rsA, csA, own.ap, 0, own);
            macro(pl, 0, mc, j0, j1, kc, alpha, beta, c, cIdx + ic * ldc, ldc, own.ap, bp, own);
        }
    }

    /**
     * Whether the kernels read op(A) in place instead of packing it: A row-major (unit column stride), the
     * 12- or 8-row kernel, and A small ({@link #DIRECT_A_FLOATS}): attention's per-head products, where
     * packing is a large share of the work. Large row-major operands are not read where they lie: measured
     * interleaved on an Intel machine (1 thread), that was 3-5% slower at 1024-2048 and 2-2.5x slower for the seed
     * model's 1016 x 128 activations, and 6-33% faster for attention's 127 x 64 and 64 x 64 operands; they are
     * copied by rows and then read in place ({@link #rowCopy}), or packed.
     */
    static boolean direct(Plan pl, int m, int k, int csA) {
        return csA == 1 && (pl.kernel() == 1 || pl.kernel() == 4) && (long) m * k <= DIRECT_A_FLOATS;
    }

    /** Largest op(A), in floats, that {@link #direct} reads in place (64 K floats: 256 KiB, within L2). */
    static final long DIRECT_A_FLOATS = 1 << 16;

    /**
     * Whether a large row-major op(A) that the 12- or 8-row kernel would pack into micro-panels (an interleaving of
     * mr rows, by gathers) is instead copied row by row into the thread's A buffer (mc rows of kc floats, back to
     * back) and read there by the direct kernels: plain copies instead of a transposition, and rows short enough to
     * stay in L1 while the B block passes by. Same bits (every kernel sums in the same order). Measured with
     * {@code GemmAB} on AMD EPYC (Zen 4), 2 threads, against packing: 4096 x 256 x 256 1.20x, 2048 x 256 x 1024 1.08x,
     * 2048^3 1.02x (1 thread: 1.22-1.23x, 1.05-1.07x); not yet measured on the Intel machines, where packing by gathers
     * was twice as fast as a scalar transposition. {@code -Dreformer4j.sgemm.rowCopy=false} packs as before (tests
     * switch it to compare both ways).
     */
    static boolean rowCopy = Boolean.parseBoolean(System.getProperty("reformer4j.sgemm.rowCopy", "true"));

    /**
     * {@link #macro} for row-major A read in place: row panels go straight to the direct kernel (each panel's kc-long
     * rows stay in L1 across the B block), a last partial panel too (the kernel reads and stores its rows only).
     */
    static void macroDirect(Plan pl, int rows, int j0, int j1, int kc, float alpha, float[] a, int aIdx,
                            int lda, float beta, float[] c, int cOff, int ldc, float[] bp, Workspace scratch) {
        macroDirect(pl, rows, j0, j1, kc, alpha, a, aIdx, lda, beta, c, cOff, ldc, bp, 0, pl.nr() * kc, scratch);
    }

    /**
     * {@link #macroDirect} over B panels placed anywhere: the panel of columns [jr, jr + nr) at {@code bBase + (jr / nr) *
     * bStride} ({@link #gemmPanels}'s caller-packed panels; a packed block's are {@code nr * kc} apart from 0).
     */
    static void macroDirect(Plan pl, int rows, int j0, int j1, int kc, float alpha, float[] a, int aIdx, int lda, float beta,
                            float[] c, int cOff, int ldc, float[] bp, int bBase, int bStride, Workspace scratch) {
        int mr = pl.mr(), nr = pl.nr();
        for (int ir = 0; ir < rows; ir += mr) {
            // a last partial panel runs the same kernel on its rows (no packing, no scratch tile)
            int ai = aIdx + ir * lda, mrEff = Math.min(mr, rows - ir);
            for (int jr = j0; jr < j1; jr += nr) {
                int nrEff = Math.min(nr, j1 - jr), ci = cOff + ir * ldc + jr;
                int bi = bBase + jr / nr * bStride;
                if (nrEff == nr || ci + (mrEff - 1) * ldc + nr <= c.length) {
                    directTile(pl, kc, a, ai, lda, mrEff, bp, bi, alpha, beta, c, ci, ldc, nrEff, scratch.acc);
                } else {
                    directTile(pl, kc, a, ai, lda, mrEff, bp, bi, 1f, 0f, scratch.tile, 0, nr, nr, scratch.acc);
                    merge(mrEff, nrEff, nr, scratch.tile, alpha, beta, c, ci, ldc);
                }
            }
        }
    }

    /**
     * Whether the 8-row kernel reads a transposed op(A) (unit row stride: each step of k is a run of the rows' values)
     * where it lies ({@link SgemmVector#kernel8x2T}) instead of packing it: rows a multiple of 8, as attention's per-chunk
     * dd^T q and p^T dbo and the weight gradients that {@link #planFor(int, int, int, int, int)} gives the 8-row plan.
     * Same bits as packing (the same sums). GemmAB against packing, one thread: 128x64x64:tn 1.35x, 128x64x128:tn 1.58x.
     */
    static boolean transposedDirect(Plan pl, int rows, int rsA) {
        return transposedDirect && rsA == 1 && pl.kernel() == 4 && rows % 8 == 0;
    }

    /** {@link #transposedDirect}'s switch (tests compare both ways). */
    static boolean transposedDirect = true;

    /** The tiles of a transposed op(A) read in place ({@link #transposedDirect}), B panels as {@link #macroDirect}'s. */
    static void macroTransposed(Plan pl, int rows, int j0, int j1, int kc, float alpha, float[] a, int aIdx, int lda, float beta,
                                float[] c, int cOff, int ldc, float[] bp, int bBase, int bStride, Workspace scratch) {
        int mr = pl.mr(), nr = pl.nr();
        for (int ir = 0; ir < rows; ir += mr) {
            for (int jr = j0; jr < j1; jr += nr) {
                int nrEff = Math.min(nr, j1 - jr), ci = cOff + ir * ldc + jr, bi = bBase + jr / nr * bStride;
                if (nrEff == nr || ci + (mr - 1) * ldc + nr <= c.length) {
                    SgemmVector.kernel8x2T(kc, a, aIdx + ir, lda, bp, bi, alpha, beta, c, ci, ldc, nrEff, scratch.acc);
                } else {
                    SgemmVector.kernel8x2T(kc, a, aIdx + ir, lda, bp, bi, 1f, 0f, scratch.tile, 0, nr, nr, scratch.acc);
                    merge(mr, nrEff, nr, scratch.tile, alpha, beta, c, ci, ldc);
                }
            }
        }
    }

    private static void directTile(Plan pl, int kc, float[] a, int ai, int lda, int rows, float[] bp, int bi, float alpha,
                                   float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
        if (pl.kernel() == 1) SgemmVector.kernel12x2Direct(kc, a, ai, lda, rows, bp, bi, alpha, beta, c, ci, ldc, cols, acc);
        else SgemmVector.kernel8x2Direct(kc, a, ai, lda, rows, bp, bi, alpha, beta, c, ci, ldc, cols, acc);
    }

    /**
     * Whether to split a block's tiles between threads by row panels (true) or column panels: rows,
     * unless columns divide more evenly (the busiest thread gets fewer panels relative to the average).
     */
    /**
     * Largest op(A), in floats, below which a wide product (at least two B blocks per thread) is split into
     * column stripes, each thread packing its own B and its own copy of A: one fork-join in all instead of one
     * per B block, and no B block read across cores. 256 K floats (1 MiB) covers the seed model's weight
     * gradients (128 x 1016 A, 21128 columns).
     */
    static final long STRIPE_A_FLOATS = 1 << 18;

    static boolean splitRows(int mPanels, int nPanels, int threads) {
        if (threads == 1) return true;
        long rowLoad = (long) ((mPanels + threads - 1) / threads) * nPanels;   // busiest thread's tiles
        long colLoad = (long) ((nPanels + threads - 1) / threads) * mPanels;
        return rowLoad <= colLoad;
    }

    /**
     * The tiles of rows [i0, i1) and columns [j0, j1) of one packed block (bounds on panel edges). Each A
     * micro-panel (mr x kc) stays in L1 while the B block's micro-panels stream from L2.
     */
    static void macro(Plan pl, int i0, int i1, int j0, int j1, int kc, float alpha, float beta,
                      float[] c, int cOff, int ldc, float[] ap, float[] bp, Workspace scratch) {
        macro(pl, i0, i1, j0, j1, kc, alpha, beta, c, cOff, ldc, ap, bp, 0, pl.nr() * kc, scratch);
    }

    /** {@link #macro} over B panels placed as {@link #macroDirect}'s: columns [jr, jr + nr) at {@code bBase + (jr / nr) * bStride}. */
    static void macro(Plan pl, int i0, int i1, int j0, int j1, int kc, float alpha, float beta, float[] c, int cOff, int ldc,
                      float[] ap, float[] bp, int bBase, int bStride, Workspace scratch) {
        int mr = pl.mr(), nr = pl.nr();
        for (int ir = i0; ir < i1; ir += mr) {
            int mrEff = Math.min(mr, i1 - ir);
            int ai = ir * kc;
            for (int jr = j0; jr < j1; jr += nr) {
                int nrEff = Math.min(nr, j1 - jr);
                int bi = bBase + jr / nr * bStride;
                int ci = cOff + ir * ldc + jr;
                // a partial column panel is stored with lane masks, unless its last vector would reach past
                // the end of c (the Vector API checks such stores lane by lane, very slowly)
                if (mrEff == mr && (nrEff == nr || pl.kernel() != 0 && ci + (mr - 1) * ldc + nr <= c.length)) {
                    tile(pl, kc, ap, ai, bp, bi, alpha, beta, c, ci, ldc, nrEff, scratch.acc);
                } else {
                    tile(pl, kc, ap, ai, bp, bi, 1f, 0f, scratch.tile, 0, nr, nr, scratch.acc);
                    merge(mrEff, nrEff, nr, scratch.tile, alpha, beta, c, ci, ldc);
                }
            }
        }
    }

    /** One tile of C: all mr rows, the first {@code cols} of nr columns (vector kernels store with masks). */
    private static void tile(Plan pl, int kc, float[] ap, int ai, float[] bp, int bi, float alpha,
                             float beta, float[] c, int ci, int ldc, int cols, float[] acc) {
        switch (pl.kernel()) {
            case 1 -> SgemmVector.kernel12x2(kc, ap, ai, bp, bi, alpha, beta, c, ci, ldc, cols, acc);
            case 2 -> SgemmVector.kernel6x4(kc, ap, ai, bp, bi, alpha, beta, c, ci, ldc, cols, acc);
            case 3 -> SgemmVector.kernel10x2(kc, ap, ai, bp, bi, alpha, beta, c, ci, ldc, cols, acc);
            case 4 -> SgemmVector.kernel8x2T(kc, ap, ai, 8, bp, bi, alpha, beta, c, ci, ldc, cols, acc); // a packed panel: stride 8
            default -> SgemmScalar.kernel(pl.mr(), pl.nr(), kc, ap, ai, bp, bi, alpha, beta, c, ci, ldc, acc);
        }
    }

    /** Copies the valid {@code rows x cols} corner of a scratch tile into C with alpha and beta. */
    private static void merge(int rows, int cols, int ldt, float[] t, float alpha, float beta,
                              float[] c, int ci, int ldc) {
        for (int i = 0; i < rows; i++) {
            int r = ci + i * ldc, s = i * ldt;
            if (beta == 0f) {
                for (int j = 0; j < cols; j++) c[r + j] = alpha * t[s + j];
            } else {
                for (int j = 0; j < cols; j++) c[r + j] = alpha * t[s + j] + beta * c[r + j];
            }
        }
    }

    /** {@code C = beta C} (beta 0 writes zeros, whatever C held). */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int r = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, r, r + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) c[r + j] *= beta;
            }
        }
    }

    /** Packs rows of op(A) into {@code dst} from {@code dOff} with the plan's packing (gathers for vectors). */
    static void packA(Plan pl, int mc, int kc, float[] a, int idx, int rs, int cs, float[] dst, int dOff,
                      Workspace scratch) {
        if (pl.kernel() == 0) packAScalar(pl.mr(), mc, kc, a, idx, rs, cs, dst, dOff);
        else SgemmVector.packA(pl.mr(), mc, kc, a, idx, rs, cs, dst, dOff, scratch.idx);
    }

    /** Packs columns of op(B) into {@code dst} from {@code dOff} with the plan's packing. */
    static void packB(Plan pl, int kc, int nc, float[] b, int idx, int rs, int cs, float[] dst, int dOff,
                      Workspace scratch) {
        if (pl.kernel() == 0) packBScalar(pl.nr(), kc, nc, b, idx, rs, cs, dst, dOff);
        else SgemmVector.packB(pl.nr(), kc, nc, b, idx, rs, cs, dst, dOff, scratch.idx);
    }

    /**
     * Packs the mc x kc block of op(A) starting at {@code a[idx]} into micro-panels of {@code mr} rows:
     * panel q holds {@code dst[q*mr*kc + p*mr + i] = A(q*mr + i, p)}, rows past mc padded with zeros.
     */
    static void packAScalar(int mr, int mc, int kc, float[] a, int idx, int rs, int cs, float[] dst, int dOff) {
        for (int r0 = 0, d = dOff; r0 < mc; r0 += mr, d += mr * kc) {
            int rows = Math.min(mr, mc - r0);
            int src = idx + r0 * rs;
            if (rs == 1 && rows == mr) {
                for (int p = 0; p < kc; p++) System.arraycopy(a, src + p * cs, dst, d + p * mr, mr);
                continue;
            }
            if (cs == 1) {
                for (int i = 0; i < rows; i++) {
                    int s = src + i * rs;
                    for (int p = 0; p < kc; p++) dst[d + p * mr + i] = a[s + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int s = src + p * cs;
                    for (int i = 0; i < rows; i++) dst[d + p * mr + i] = a[s + i * rs];
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, d + p * mr + rows, d + (p + 1) * mr, 0f);
            }
        }
    }

    /**
     * Packs the kc x nc block of op(B) starting at {@code b[idx]} into micro-panels of {@code nr} columns:
     * panel q holds {@code dst[q*nr*kc + p*nr + j] = B(p, q*nr + j)}, columns past nc padded with zeros.
     */
    static void packBScalar(int nr, int kc, int nc, float[] b, int idx, int rs, int cs, float[] dst, int dOff) {
        for (int j0 = 0, d = dOff; j0 < nc; j0 += nr, d += nr * kc) {
            int cols = Math.min(nr, nc - j0);
            int src = idx + j0 * cs;
            if (cs == 1) {
                for (int p = 0; p < kc; p++) System.arraycopy(b, src + p * rs, dst, d + p * nr, cols);
            } else if (rs == 1) {
                for (int j = 0; j < cols; j++) {
                    int s = src + j * cs;
                    for (int p = 0; p < kc; p++) dst[d + p * nr + j] = b[s + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int s = src + p * rs;
                    for (int j = 0; j < cols; j++) dst[d + p * nr + j] = b[s + j * cs];
                }
            }
            if (cols < nr) {
                for (int p = 0; p < kc; p++) Arrays.fill(dst, d + p * nr + cols, d + (p + 1) * nr, 0f);
            }
        }
    }
}
