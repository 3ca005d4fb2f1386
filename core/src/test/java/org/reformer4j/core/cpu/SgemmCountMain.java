package org.reformer4j.core.cpu;

/**
 * Child JVM of {@link SgemmCountTest} (the counter is switched on by a system property read once): runs products
 * of known sizes through each entry point and prints the count after each.
 */
public final class SgemmCountMain {
    private SgemmCountMain() {}

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder("start " + Sgemm.countedFlops());
        float[] a = new float[300 * 200], b = new float[200 * 100], c = new float[300 * 100];
        Sgemm.sgemm(300, 100, 200, 1f, a, 0, 200, 1, b, 0, 100, 1, 0f, c, 0, 100); // blocked, threaded
        out.append(" big ").append(Sgemm.countedFlops());
        Sgemm.sgemm(3, 4, 5, 2f, a, 0, 5, 1, b, 0, 4, 1, 1f, c, 0, 4); // tiny: unblocked
        out.append(" tiny ").append(Sgemm.countedFlops());
        Sgemm.sgemmBatched(6, 10, 20, 30, 1f, a, 0, 300, 30, 1, b, 0, 600, 20, 1, 0f, c, 0, 200, 20);
        out.append(" batch ").append(Sgemm.countedFlops());
        Sgemm.sgemm(0, 4, 5, 1f, a, 0, 5, 1, b, 0, 4, 1, 0f, c, 0, 4); // empty: nothing
        out.append(" empty ").append(Sgemm.countedFlops());
        System.out.println(out);
    }
}
