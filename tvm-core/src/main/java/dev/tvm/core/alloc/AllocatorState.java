package dev.tvm.core.alloc;

/**
 * The state of an {@link Allocator} as plain values, one record per strategy: what {@link
 * Allocator#state()} hands out and {@link Allocator#restore} takes back. The snapshot codec
 * ({@code dev.tvm.core.SnapshotCodec}) owns how these values are laid out in a file; each
 * allocator owns which values are consistent with its capacity. Arrays are owned by the record:
 * {@code state()} returns copies and {@code restore} copies what it keeps.
 */
public sealed interface AllocatorState {
    /**
     * {@link BumpAllocator}'s state.
     *
     * @param top the next offset to hand out
     * @param used bytes of live allocations
     */
    record Bump(long top, long used) implements AllocatorState {}

    /**
     * {@link FreeListAllocator}'s state.
     *
     * @param used bytes of live allocations
     * @param blockOffsets the free blocks' offsets, ascending
     * @param blockSizes the free blocks' sizes, in the same order
     */
    record FreeList(long used, long[] blockOffsets, long[] blockSizes) implements AllocatorState {}

    /**
     * {@link SlabAllocator}'s state.
     *
     * @param top bytes taken from the region for slabs
     * @param used bytes of live allocations
     * @param cursors per size class, the next unused object in its current slab
     * @param limits per size class, the end of its current slab
     * @param freeLists per size class, the offsets of freed objects, oldest first
     */
    record Slab(long top, long used, long[] cursors, long[] limits, long[][] freeLists) implements AllocatorState {}

    /**
     * {@link PageAllocator}'s state.
     *
     * @param top the next fresh page's offset
     * @param used bytes of live pages
     * @param freePages the offsets of freed pages, oldest first
     */
    record Page(long top, long used, long[] freePages) implements AllocatorState {}
}
