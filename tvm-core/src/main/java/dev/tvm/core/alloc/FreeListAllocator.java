package dev.tvm.core.alloc;

import dev.tvm.core.AllocatorKind;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Best-fit allocation over a set of free blocks, with neighbours coalesced on free. Blocks are
 * indexed twice: by offset (to find neighbours) and by (size, offset) (to find the smallest
 * block that fits, lowest address first, which keeps the untouched tail of the region
 * untouched for as long as possible). Both operations are O(log n) in the number of free
 * blocks.
 *
 * <p>The size index packs {@code size << 29 | offset >>> 3} into one {@code long}: offsets are
 * 8-aligned and below 2^32, so they fit in 29 bits, and sizes up to 2^32 fit in the remaining 35.
 */
public final class FreeListAllocator implements Allocator {
    private static final int OFFSET_BITS = 29;
    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;

    private final long capacity;
    private final TreeMap<Long, Long> byOffset = new TreeMap<>();
    private final TreeSet<Long> bySize = new TreeSet<>();
    private long used;

    public FreeListAllocator(long capacity) {
        if (capacity > (1L << 32)) {
            throw new IllegalArgumentException("capacity above 4 GiB: " + capacity);
        }
        this.capacity = capacity & -ALIGNMENT;
        reset();
    }

    private static long sizeKey(long size, long offset) {
        return (size << OFFSET_BITS) | (offset >>> 3);
    }

    private void addBlock(long offset, long size) {
        byOffset.put(offset, size);
        bySize.add(sizeKey(size, offset));
    }

    private void removeBlock(long offset, long size) {
        byOffset.remove(offset);
        bySize.remove(sizeKey(size, offset));
    }

    @Override
    public AllocatorKind kind() {
        return AllocatorKind.FREE_LIST;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public long allocate(long size) {
        long footprint = footprint(size);
        Long key = bySize.ceiling(sizeKey(footprint, 0));
        if (key == null) {
            return FAILED;
        }
        long blockSize = key >>> OFFSET_BITS;
        long offset = (key & OFFSET_MASK) << 3;
        removeBlock(offset, blockSize);
        if (blockSize > footprint) {
            addBlock(offset + footprint, blockSize - footprint);
        }
        used += footprint;
        return offset;
    }

    @Override
    public void free(long offset, long size) {
        long footprint = footprint(size);
        used -= footprint;
        long start = offset;
        long length = footprint;
        Map.Entry<Long, Long> before = byOffset.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            removeBlock(before.getKey(), before.getValue());
            start = before.getKey();
            length += before.getValue();
        }
        Long afterSize = byOffset.get(offset + footprint);
        if (afterSize != null) {
            removeBlock(offset + footprint, afterSize);
            length += afterSize;
        }
        addBlock(start, length);
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

    /** Number of free blocks: a fragmentation measure. */
    public int freeBlocks() {
        return byOffset.size();
    }

    /** Size of the largest free block. */
    public long largestFreeBlock() {
        return bySize.isEmpty() ? 0 : bySize.last() >>> OFFSET_BITS;
    }

    @Override
    public void reset() {
        byOffset.clear();
        bySize.clear();
        used = 0;
        if (capacity > 0) {
            addBlock(0, capacity);
        }
    }

    @Override
    public boolean canCompact() {
        return true;
    }

    @Override
    public void compacted(long top) {
        byOffset.clear();
        bySize.clear();
        used = top;
        if (top < capacity) {
            addBlock(top, capacity - top);
        }
    }

    @Override
    public AllocatorState state() {
        long[] offsets = new long[byOffset.size()];
        long[] sizes = new long[offsets.length];
        int i = 0;
        for (Map.Entry<Long, Long> block : byOffset.entrySet()) {
            offsets[i] = block.getKey();
            sizes[i++] = block.getValue();
        }
        return new AllocatorState.FreeList(used, offsets, sizes);
    }

    @Override
    public void restore(AllocatorState state) {
        if (!(state instanceof AllocatorState.FreeList s) || s.blockOffsets().length != s.blockSizes().length) {
            throw new IllegalArgumentException("damaged allocator state: " + state + " for a free-list allocator");
        }
        long newUsed = s.used();
        long[] offsets = s.blockOffsets();
        long[] sizes = s.blockSizes();
        if (newUsed < 0 || newUsed > capacity) {
            throw new IllegalArgumentException("damaged allocator state: used " + newUsed + " of " + capacity);
        }
        long end = 0; // blocks ascend and do not overlap
        for (int i = 0; i < offsets.length; i++) {
            long offset = offsets[i];
            long size = sizes[i];
            if (offset < end || size <= 0 || size > capacity - offset || (offset | size) % ALIGNMENT != 0) {
                throw new IllegalArgumentException(
                        "damaged allocator state: free block at " + offset + ", " + size + " bytes");
            }
            end = offset + size;
        }
        byOffset.clear();
        bySize.clear();
        used = newUsed;
        for (int i = 0; i < offsets.length; i++) {
            addBlock(offsets[i], sizes[i]);
        }
    }
}
