package dev.tvm.core;

/** The allocation strategy of a region. */
public enum AllocatorKind {
    /** Pointer bump; individual frees reclaim only the newest allocation; {@code reset} frees all. */
    BUMP(0),
    /** Best-fit free list with coalescing of neighbouring free blocks; compactable. */
    FREE_LIST(1),
    /** Power-of-two size classes from 16 bytes to 64 KiB, carved from 64 KiB slabs. */
    SLAB(2),
    /** Fixed-size pages (64 KiB by default); one allocation is at most one page. */
    PAGE(3);

    private static final AllocatorKind[] VALUES = values();

    private final int code;

    AllocatorKind(int code) {
        this.code = code;
    }

    /** This allocator's number in snapshots and region info (the guest ABI adds one: 0 there means "the kind's default"). Fixed: a new constant takes the next free number. */
    public int code() {
        return code;
    }

    /** The constant with this {@link #code()}, or {@code null}. */
    public static AllocatorKind fromCode(long code) {
        return Codes.find(VALUES, AllocatorKind::code, code);
    }
}
