package dev.tvm.core;

/** The allocation strategy of a region. */
public enum AllocatorKind {
    /** Pointer bump; individual frees reclaim only the newest allocation; {@code reset} frees all. */
    BUMP,
    /** Best-fit free list with coalescing of neighbouring free blocks; compactable. */
    FREE_LIST,
    /** Power-of-two size classes from 16 bytes to 64 KiB, carved from 64 KiB slabs. */
    SLAB,
    /** Fixed-size pages (64 KiB by default); one allocation is at most one page. */
    PAGE
}
