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

    /** The contents, bottom first. */
    long[] toArray() {
        return Arrays.copyOf(values, size);
    }

    /** Replaces the contents with a copy of {@code bottomFirst}. */
    void setAll(long[] bottomFirst) {
        values = Arrays.copyOf(bottomFirst, Math.max(16, bottomFirst.length));
        size = bottomFirst.length;
    }

    /** Fails unless every value lies in {@code [0, max]} (a restored free list). */
    static void checkWithin(long[] offsets, long max) {
        for (long value : offsets) {
            if (value < 0 || value > max) {
                throw new IllegalArgumentException(
                        "damaged allocator state: free offset " + value + " outside 0.." + max);
            }
        }
    }
}
