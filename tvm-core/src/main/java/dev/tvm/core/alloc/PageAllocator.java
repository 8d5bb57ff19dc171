package dev.tvm.core.alloc;

import dev.tvm.core.AllocatorKind;

/**
 * Fixed-size pages: every allocation takes exactly one page, so any free page serves any request
 * and there is no fragmentation. Freed pages are reused LIFO before fresh ones are taken from the
 * untouched tail. The page is also the unit a page store spills in.
 */
public final class PageAllocator implements Allocator {
    private final long capacity;
    private final int pageSize;
    private final LongStack freePages = new LongStack();
    private long top;
    private long used;

    public PageAllocator(long capacity, int pageSize) {
        if (pageSize < ALIGNMENT || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two >= 8: " + pageSize);
        }
        this.capacity = capacity - capacity % pageSize;
        this.pageSize = pageSize;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.PAGE;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** The page size in bytes. */
    public int pageSize() {
        return pageSize;
    }

    @Override
    public long allocate(long size) {
        long offset;
        if (!freePages.isEmpty()) {
            offset = freePages.pop();
        } else if (capacity - top >= pageSize) {
            offset = top;
            top += pageSize;
        } else {
            return FAILED;
        }
        used += pageSize;
        return offset;
    }

    @Override
    public void free(long offset, long size) {
        freePages.push(offset);
        used -= pageSize;
    }

    @Override
    public long footprint(long size) {
        return pageSize;
    }

    @Override
    public long maxAllocation() {
        return pageSize;
    }

    @Override
    public long usedBytes() {
        return used;
    }

    @Override
    public void reset() {
        freePages.clear();
        top = 0;
        used = 0;
    }

    @Override
    public boolean canCompact() {
        return false;
    }

    @Override
    public void compacted(long newTop) {
        throw new UnsupportedOperationException("page regions cannot be compacted");
    }

    @Override
    public AllocatorState state() {
        return new AllocatorState.Page(top, used, freePages.toArray());
    }

    @Override
    public void restore(AllocatorState state) {
        if (!(state instanceof AllocatorState.Page s)) {
            throw new IllegalArgumentException("damaged allocator state: " + state + " for a page allocator");
        }
        long newTop = s.top();
        long newUsed = s.used();
        long[] free = s.freePages();
        if (newTop < 0 || newTop > capacity || newTop % pageSize != 0 || newUsed < 0 || newUsed > newTop) {
            throw new IllegalArgumentException(
                    "damaged allocator state: top " + newTop + ", used " + newUsed + " of " + capacity);
        }
        LongStack.checkWithin(free, newTop - pageSize);
        top = newTop;
        used = newUsed;
        freePages.setAll(free);
    }
}
