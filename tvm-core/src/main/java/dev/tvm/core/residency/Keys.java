package dev.tvm.core.residency;

/** Key helpers shared by the policies and the buffer. */
final class Keys {
    private Keys() {}

    /** Rejects {@link EvictionPolicy#NO_KEY}, the one {@code long} that is not a key. */
    static void check(long key) {
        if (key == EvictionPolicy.NO_KEY) {
            throw new IllegalArgumentException("-1 is reserved (EvictionPolicy.NO_KEY) and is not a key");
        }
    }
}
