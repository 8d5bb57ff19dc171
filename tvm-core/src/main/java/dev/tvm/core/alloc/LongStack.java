package dev.tvm.core.alloc;

import java.util.Arrays;

/** A growable stack of primitive longs, so free lists do not box. */
final class LongStack {
    private long[] values = new long[16];
    private int size;

    void push(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    long pop() {
        return values[--size];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }
}
