package org.reformer4j.cuda;

/**
 * A CUDA launch dimension (grid or block): x, y, z, each at least 1. Mirrors CUDA's {@code dim3}.
 *
 * @param x extent along x (fastest varying)
 * @param y extent along y
 * @param z extent along z
 */
public record Dim3(int x, int y, int z) {
    public Dim3 {
        if (x < 1 || y < 1 || z < 1)
            throw new IllegalArgumentException("launch dimension must be >= 1 in each axis, got (" + x + ", " + y
                    + ", " + z + ")");
    }

    /** A one-dimensional extent. */
    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    /** Blocks of {@code block} threads needed to cover {@code n} items: ceil(n / block), at least 1. */
    public static Dim3 cover(long n, int block) {
        if (n < 0 || block < 1) throw new IllegalArgumentException("cover(" + n + ", " + block + ")");
        long blocks = Math.max(1, (n + block - 1) / block);
        if (blocks > Integer.MAX_VALUE)
            throw new IllegalArgumentException("grid of " + blocks + " blocks exceeds 2^31-1 (n=" + n + ")");
        return of((int) blocks);
    }

    /** Total count x*y*z. */
    public long volume() {
        return (long) x * y * z;
    }

    @Override
    public String toString() {
        return "(" + x + "," + y + "," + z + ")";
    }
}
