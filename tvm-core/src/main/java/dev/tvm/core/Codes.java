package dev.tvm.core;

import java.util.function.ToIntFunction;

/** The lookup behind the {@code fromCode} of the enums whose numbers are fixed (ABI, snapshots). */
final class Codes {
    private Codes() {}

    /** The value whose {@code code} is {@code wanted}, or {@code null}. */
    static <E> E find(E[] values, ToIntFunction<E> code, long wanted) {
        for (E value : values) {
            if (code.applyAsInt(value) == wanted) {
                return value;
            }
        }
        return null;
    }
}
