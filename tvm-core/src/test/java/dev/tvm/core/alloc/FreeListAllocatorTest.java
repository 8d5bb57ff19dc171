package dev.tvm.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.AllocatorKind;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The allocator contract plus best fit and coalescing for {@link FreeListAllocator}. */
class FreeListAllocatorTest extends AllocatorContractTest {
    @Override
    Allocator newAllocator(long capacity) {
        return new FreeListAllocator(capacity);
    }

    @Override
    long expectedFootprint(Allocator a, long size) {
        return (size + 7) & -8L;
    }

    /** Best fit: the smallest gap that holds the footprint, the lowest such gap on a tie. */
    @Override
    long expectedOffset(Allocator a, NavigableMap<Long, long[]> live, long size) {
        long footprint = a.footprint(size);
        long best = Allocator.FAILED;
        long bestLength = Long.MAX_VALUE;
        for (long[] gap : gaps(live, a.capacity())) {
            if (gap[1] >= footprint && gap[1] < bestLength) {
                best = gap[0];
                bestLength = gap[1];
            }
        }
        return best;
    }

    @Override
    void checkFailureJustified(Allocator a, NavigableMap<Long, long[]> live, long size) {
        FreeListAllocator f = (FreeListAllocator) a;
        assertTrue(
                f.largestFreeBlock() < a.footprint(size),
                "failed although the largest free block " + f.largestFreeBlock() + " fits " + size);
    }

    @Test
    void freshAllocatorIsOneBlock() {
        FreeListAllocator a = new FreeListAllocator(CAPACITY);
        assertEquals(AllocatorKind.FREE_LIST, a.kind());
        assertEquals(1, a.freeBlocks());
        assertEquals(CAPACITY, a.largestFreeBlock());
        assertTrue(a.canCompact());
        assertEquals(CAPACITY, a.maxAllocation());
    }

    @Test
    void freeingThreeNeighboursInAnyOrderCoalescesToOneBlock() {
        int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        long capacity = 3 * 1024;
        for (int[] order : orders) {
            FreeListAllocator a = new FreeListAllocator(capacity);
            long[] offsets = {a.allocate(1024), a.allocate(1024), a.allocate(1024)};
            assertEquals(0, offsets[0]);
            assertEquals(1024, offsets[1]);
            assertEquals(2048, offsets[2]);
            assertEquals(0, a.freeBlocks(), "the three fill the capacity");
            assertEquals(0, a.largestFreeBlock());
            for (int i : order) {
                a.free(offsets[i], 1024);
            }
            String o = java.util.Arrays.toString(order);
            assertEquals(1, a.freeBlocks(), "order " + o);
            assertEquals(capacity, a.largestFreeBlock(), "order " + o);
            assertEquals(0, a.usedBytes());
        }
        // Same with a free tail after the three and odd sizes rounded to 8.
        for (int[] order : orders) {
            FreeListAllocator a = new FreeListAllocator(CAPACITY);
            long[] sizes = {13, 1000, 7};
            long[] offsets = {a.allocate(sizes[0]), a.allocate(sizes[1]), a.allocate(sizes[2])};
            assertEquals(1, a.freeBlocks());
            for (int i : order) {
                a.free(offsets[i], sizes[i]);
            }
            assertEquals(1, a.freeBlocks());
            assertEquals(CAPACITY, a.largestFreeBlock());
        }
    }

    @Test
    void freeingTheMiddleLeavesAHoleUntilANeighbourGoes() {
        FreeListAllocator a = new FreeListAllocator(4096);
        long x = a.allocate(1024);
        long y = a.allocate(1024);
        long z = a.allocate(1024);
        a.free(y, 1024);
        assertEquals(2, a.freeBlocks(), "the hole and the tail");
        a.free(x, 1024);
        assertEquals(2, a.freeBlocks(), "x merged with the hole after it");
        assertEquals(2048, a.largestFreeBlock());
        a.free(z, 1024);
        assertEquals(1, a.freeBlocks());
        assertEquals(4096, a.largestFreeBlock());
    }

    @Test
    void bestFitPicksTheSmallestHole() {
        FreeListAllocator a = new FreeListAllocator(CAPACITY);
        // Layout: [hole 64][guard][hole 32][guard][hole 128][guard][hole 32][guard][tail]
        long h64 = a.allocate(64);
        a.allocate(8);
        long h32 = a.allocate(32);
        a.allocate(8);
        long h128 = a.allocate(128);
        a.allocate(8);
        long h32b = a.allocate(32);
        a.allocate(8);
        a.free(h64, 64);
        a.free(h32, 32);
        a.free(h128, 128);
        a.free(h32b, 32);
        assertEquals(5, a.freeBlocks());

        assertEquals(h32, a.allocate(30), "30 bytes go to the first 32-byte hole");
        assertEquals(h32b, a.allocate(32), "the other 32-byte hole is now the smallest fit");
        assertEquals(h64, a.allocate(40), "40 bytes go to the 64-byte hole, not the 128-byte one");
        assertEquals(h64 + 40, a.allocate(24), "the 24-byte remainder of the 64-byte hole is the best fit");
        assertEquals(h128, a.allocate(100), "100 bytes fit only the 128-byte hole before the tail");
        long tail = a.allocate(200);
        assertTrue(tail > h32b, "200 bytes fit only in the tail");
    }

    @Test
    void exactFitConsumesTheWholeHole() {
        FreeListAllocator a = new FreeListAllocator(CAPACITY);
        long h = a.allocate(256);
        a.allocate(8);
        a.free(h, 256);
        int blocks = a.freeBlocks();
        assertEquals(h, a.allocate(256));
        assertEquals(blocks - 1, a.freeBlocks());
    }

    @Test
    void compactedLeavesOneTailBlock() {
        FreeListAllocator a = new FreeListAllocator(CAPACITY);
        NavigableMap<Long, long[]> live = new TreeMap<>();
        for (int i = 0; i < 10; i++) {
            allocateChecked(a, live, 100 + i);
        }
        List<Long> keys = List.copyOf(live.keySet());
        for (int i = 0; i < keys.size(); i += 2) {
            freeChecked(a, live, keys.get(i));
        }
        assertTrue(a.freeBlocks() > 1);
        compactModel(a, live);
        assertEquals(1, a.freeBlocks());
        assertEquals(CAPACITY - a.usedBytes(), a.largestFreeBlock());
        assertNotEquals(Allocator.FAILED, a.allocate(CAPACITY - a.usedBytes()));
        assertEquals(0, a.freeBlocks());
        assertEquals(Allocator.FAILED, a.allocate(1));
    }

    @Test
    void rejectsCapacitiesAbove4GiB() {
        assertThrows(IllegalArgumentException.class, () -> new FreeListAllocator((1L << 32) + 8));
        FreeListAllocator max = new FreeListAllocator(1L << 32);
        assertEquals(1L << 32, max.largestFreeBlock());
        long big = max.allocate((1L << 32) - 8);
        assertEquals(0, big);
        assertEquals((1L << 32) - 8, max.allocate(8), "the last 8 bytes below 4 GiB are addressable");
    }
}
