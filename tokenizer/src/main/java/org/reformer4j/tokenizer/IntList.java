/*
 * A growable int array (no boxing), used for ids and offsets while encoding.
 */
package org.reformer4j.tokenizer;

import java.util.Arrays;

final class IntList {
    int[] a;
    int n;

    IntList() {
        this(16);
    }

    IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[n++] = v;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return n;
    }

    void truncate(int size) {
        n = size;
    }

    void clear() {
        n = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
