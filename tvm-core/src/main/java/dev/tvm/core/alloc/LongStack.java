package dev.tvm.core.alloc;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            out.writeLong(values[i]);
        }
    }

    /** Replaces the contents with what {@link #writeTo} wrote; every value must lie in {@code [0, max]}. */
    void readFrom(DataInput in, long max) throws IOException {
        clear();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            long value = in.readLong();
            if (value < 0 || value > max) {
                throw new IOException("damaged allocator state: free offset " + value + " outside 0.." + max);
            }
            push(value);
        }
    }
}
