package dev.tvm.core.alloc;

import dev.tvm.core.AllocatorKind;

/**
 * Pointer-bump allocation: O(1), no per-allocation metadata. A free reclaims space only when it
 * is the newest allocation (stack discipline); other frees are remembered in {@link #usedBytes()}
 * and reclaimed by {@link #reset()} or by compaction.
 */
public final class BumpAllocator implements Allocator {
    private final long capacity;
    private long top;
    private long used;

    public BumpAllocator(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.BUMP;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public long allocate(long size) {
        long footprint = footprint(size);
        if (footprint > capacity - top) {
            return FAILED;
        }
        long offset = top;
        top += footprint;
        used += footprint;
        return offset;
    }

    @Override
    public void free(long offset, long size) {
        long footprint = footprint(size);
        used -= footprint;
        if (offset + footprint == top) {
            top = offset;
        }
    }

    @Override
    public long footprint(long size) {
        return Allocator.align(size);
    }

    @Override
    public long maxAllocation() {
        return capacity;
    }

    @Override
    public long usedBytes() {
        return used;
    }

    /** The next offset to be handed out. */
    public long top() {
        return top;
    }

    @Override
    public void reset() {
        top = 0;
        used = 0;
    }

    @Override
    public boolean canCompact() {
        return true;
    }

    @Override
    public void compacted(long newTop) {
        top = newTop;
        used = newTop;
    }

    @Override
    public AllocatorState state() {
        return new AllocatorState.Bump(top, used);
    }

    @Override
    public void restore(AllocatorState state) {
        if (!(state instanceof AllocatorState.Bump s)
                || s.top() < 0
                || s.top() > capacity
                || s.used() < 0
                || s.used() > s.top()) {
            throw new IllegalArgumentException(
                    "damaged allocator state: " + state + " for a bump allocator of " + capacity + " bytes");
        }
        top = s.top();
        used = s.used();
    }
}
