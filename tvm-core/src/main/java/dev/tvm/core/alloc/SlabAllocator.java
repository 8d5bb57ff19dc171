package dev.tvm.core.alloc;

import dev.tvm.core.AllocatorKind;

/**
 * Size-class allocation for many small objects. Requests are rounded up to a power of two from
 * {@value #MIN_CLASS} bytes to {@value #SLAB_SIZE} bytes; each class carves its objects from
 * {@value #SLAB_SIZE}-byte slabs taken from the region in address order and keeps a LIFO free
 * list of returned objects, so allocation and free are O(1) and reuse is cache-warm.
 *
 * <p>Slabs are never returned to the region individually (a slab may hold objects of one class
 * only until {@link #reset()}); this trades some memory after phase changes for speed, the usual
 * slab bargain. Slab regions cannot be compacted.
 */
public final class SlabAllocator implements Allocator {
    /** Smallest size class. */
    public static final int MIN_CLASS = 16;
    /** Slab size, which is also the largest size class. */
    public static final int SLAB_SIZE = 64 * 1024;

    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_CLASS);
    /** Number of size classes, {@value #MIN_CLASS} to {@value #SLAB_SIZE} bytes. */
    public static final int CLASSES = Integer.numberOfTrailingZeros(SLAB_SIZE) - MIN_SHIFT + 1;

    private final long capacity;
    private final LongStack[] freeLists = new LongStack[CLASSES];
    private final long[] cursor = new long[CLASSES];
    private final long[] limit = new long[CLASSES];
    private long top;
    private long used;

    public SlabAllocator(long capacity) {
        this.capacity = capacity;
        for (int i = 0; i < CLASSES; i++) {
            freeLists[i] = new LongStack();
        }
    }

    private static int classIndex(long size) {
        if (size <= MIN_CLASS) {
            return 0;
        }
        return 64 - Long.numberOfLeadingZeros(size - 1) - MIN_SHIFT;
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.SLAB;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public long allocate(long size) {
        int cls = classIndex(size);
        long classSize = (long) MIN_CLASS << cls;
        LongStack free = freeLists[cls];
        long offset;
        if (!free.isEmpty()) {
            offset = free.pop();
        } else {
            if (cursor[cls] == limit[cls]) {
                if (SLAB_SIZE > capacity - top) {
                    return FAILED;
                }
                cursor[cls] = top;
                limit[cls] = top + SLAB_SIZE;
                top += SLAB_SIZE;
            }
            offset = cursor[cls];
            cursor[cls] += classSize;
        }
        used += classSize;
        return offset;
    }

    @Override
    public void free(long offset, long size) {
        int cls = classIndex(size);
        freeLists[cls].push(offset);
        used -= (long) MIN_CLASS << cls;
    }

    @Override
    public long footprint(long size) {
        return (long) MIN_CLASS << classIndex(size);
    }

    @Override
    public long maxAllocation() {
        return SLAB_SIZE;
    }

    @Override
    public long usedBytes() {
        return used;
    }

    /** Bytes taken from the region for slabs so far. */
    public long slabBytes() {
        return top;
    }

    @Override
    public void reset() {
        for (int i = 0; i < CLASSES; i++) {
            freeLists[i].clear();
            cursor[i] = 0;
            limit[i] = 0;
        }
        top = 0;
        used = 0;
    }

    @Override
    public boolean canCompact() {
        return false;
    }

    @Override
    public void compacted(long newTop) {
        throw new UnsupportedOperationException("slab regions cannot be compacted");
    }

    @Override
    public AllocatorState state() {
        long[][] free = new long[CLASSES][];
        for (int i = 0; i < CLASSES; i++) {
            free[i] = freeLists[i].toArray();
        }
        return new AllocatorState.Slab(top, used, cursor.clone(), limit.clone(), free);
    }

    @Override
    public void restore(AllocatorState state) {
        if (!(state instanceof AllocatorState.Slab s)
                || s.cursors().length != CLASSES
                || s.limits().length != CLASSES
                || s.freeLists().length != CLASSES) {
            throw new IllegalArgumentException("damaged allocator state: " + state + " for a slab allocator");
        }
        long newTop = s.top();
        long newUsed = s.used();
        long[] cursors = s.cursors();
        long[] limits = s.limits();
        long[][] free = s.freeLists();
        if (newTop < 0 || newTop > capacity || newUsed < 0 || newUsed > newTop) {
            throw new IllegalArgumentException(
                    "damaged allocator state: top " + newTop + ", used " + newUsed + " of " + capacity);
        }
        for (int i = 0; i < CLASSES; i++) {
            long classSize = (long) MIN_CLASS << i;
            if (cursors[i] < 0
                    || cursors[i] > limits[i]
                    || limits[i] > newTop
                    || (limits[i] - cursors[i]) % classSize != 0) {
                throw new IllegalArgumentException(
                        "damaged allocator state: class " + i + " slab " + cursors[i] + ".." + limits[i]);
            }
            LongStack.checkWithin(free[i], newTop - classSize);
        }
        top = newTop;
        used = newUsed;
        System.arraycopy(cursors, 0, cursor, 0, CLASSES);
        System.arraycopy(limits, 0, limit, 0, CLASSES);
        for (int i = 0; i < CLASSES; i++) {
            freeLists[i].setAll(free[i]);
        }
    }
}
