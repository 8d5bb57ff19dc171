package dev.tvm.core;

/** Where a region's bytes live. */
public enum Tier {
    /** Resident anonymous off-heap memory. */
    HOT(0),
    /** Resident, but mapped from a spill file that the OS may page out. */
    WARM(1),
    /** On disk only; faulted back in on access. */
    COLD(2),
    /** Loaded on demand from an external source. */
    EXTERNAL(3);

    private static final Tier[] VALUES = values();

    private final int code;

    Tier(int code) {
        this.code = code;
    }

    /** This tier's number in snapshots and in the guest ABI's region info. Fixed: a new constant takes the next free number. */
    public int code() {
        return code;
    }

    /** The constant with this {@link #code()}, or {@code null}. */
    public static Tier fromCode(long code) {
        for (Tier value : VALUES) {
            if (value.code == code) {
                return value;
            }
        }
        return null;
    }
}
