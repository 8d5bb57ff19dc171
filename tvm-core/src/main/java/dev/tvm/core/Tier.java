package dev.tvm.core;

/**
 * Where a region's bytes live.
 *
 * <pre>
 *                 eviction (page by page) / spill()
 *        +-------------------------------------------------+
 *        |                                                 v
 *      HOT  &lt;----------- access (fault-in) / load() ---- COLD
 *        ^
 *        |  load() / compact() / spill() / reset(): copied into anonymous memory first
 *        |
 *      WARM  (restored from a snapshot: copy-on-write file mapping, OS-paged)
 *
 *  EXTERNAL: a read-only region whose pages come from its {@link ExternalLoader} on first
 *            access and are dropped (not written) under pressure; it stays EXTERNAL.
 * </pre>
 *
 * Invariants: a HOT region's pages are each resident or spilled ({@link PageMap}), and it is
 * COLD exactly when it has touched pages and none is resident; a WARM region's bytes are a
 * private file mapping and are never counted against the resident budget nor evicted; pinned
 * regions are never spilled, compacted or destroyed; {@link Region#spill()} is the explicit
 * demotion and {@link Region#load()} the explicit promotion.
 */
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
        return Codes.find(VALUES, Tier::code, code);
    }
}
