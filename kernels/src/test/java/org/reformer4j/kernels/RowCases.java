package org.reformer4j.kernels;

/** The [rows, cols] shapes every row kernel is tested on: empty, single, odd, around the warp and the block. */
final class RowCases {
    private RowCases() {}

    static final int[][] SHAPES = {{0, 5}, {3, 0}, {1, 1}, {3, 7}, {5, 31}, {9, 33}, {2, 257}, {17, 1000}, {11, 64}};
}
