package dev.tvm.core.alloc;

import dev.tvm.core.AllocatorKind;

/**
 * Manages the address space of one region: which byte ranges are in use. It knows nothing of
 * handles, generations or the bytes themselves; the region's handle table records what each
 * allocation is. Not thread-safe: the owning region serialises calls.
 *
 * <p>Every offset returned is a multiple of {@link #ALIGNMENT}, and {@code [offset, offset +
 * footprint(size))} lies inside {@code [0, capacity())} and overlaps no other live allocation.
 * Contract tests run these rules against every implementation.
 */
public interface Allocator {
    /** Returned by {@link #allocate} when the request cannot be satisfied. */
    long FAILED = -1L;

    /** Alignment of every offset, in bytes. */
    int ALIGNMENT = 8;

    /** The strategy. */
    AllocatorKind kind();

    /** The size of the address space managed. */
    long capacity();

    /**
     * Reserves space for {@code size} bytes.
     *
     * @param size 1 to {@link #maxAllocation()}
     * @return the offset, or {@link #FAILED} if no space is left
     */
    long allocate(long size);

    /** Returns the space of a live allocation made by {@code allocate(size)} at {@code offset}. */
    void free(long offset, long size);

    /** Bytes an allocation of {@code size} occupies, after rounding to the allocator's granule. */
    long footprint(long size);

    /** The largest single request this allocator accepts. */
    long maxAllocation();

    /** Bytes occupied by live allocations (sum of footprints). */
    long usedBytes();

    /** Forgets every allocation. */
    void reset();

    /** Whether {@link #compacted} is supported (allocations can be slid together). */
    boolean canCompact();

    /**
     * Tells the allocator that its live allocations were moved to occupy {@code [0, top)}
     * contiguously, each at its footprint, so everything from {@code top} up is free.
     */
    void compacted(long top);

    /** The allocator's state as values (for snapshots); {@link #restore} takes it back. */
    AllocatorState state();

    /**
     * Replaces this allocator's state with {@code state}, as {@link #state()} returned it.
     *
     * @throws IllegalArgumentException naming the value, if {@code state} belongs to another
     *     strategy or is inconsistent with this allocator's capacity (a damaged snapshot); the
     *     allocator is then unchanged
     */
    void restore(AllocatorState state);

    /** Rounds {@code size} up to the allocation alignment. */
    static long align(long size) {
        return (size + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Creates the allocator for a region. */
    static Allocator create(AllocatorKind kind, long capacity, int pageSize) {
        return switch (kind) {
            case BUMP -> new BumpAllocator(capacity);
            case FREE_LIST -> new FreeListAllocator(capacity);
            case SLAB -> new SlabAllocator(capacity);
            case PAGE -> new PageAllocator(capacity, pageSize);
        };
    }
}
