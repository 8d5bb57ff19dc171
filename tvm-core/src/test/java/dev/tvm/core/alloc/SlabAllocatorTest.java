package dev.tvm.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.AllocatorKind;
import java.util.HashSet;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allocator contract plus size classes and reuse for {@link SlabAllocator}. */
class SlabAllocatorTest extends AllocatorContractTest {
    @Override
    Allocator newAllocator(long capacity) {
        return new SlabAllocator(capacity);
    }

    @Override
    long expectedFootprint(Allocator a, long size) {
        long c = 16;
        while (c < size) {
            c <<= 1;
        }
        return c;
    }

    /** A failure is only allowed when no fresh slab can be carved. */
    @Override
    void checkFailureJustified(Allocator a, NavigableMap<Long, long[]> live, long size) {
        SlabAllocator s = (SlabAllocator) a;
        assertTrue(
                s.slabBytes() + SlabAllocator.SLAB_SIZE > a.capacity(),
                "failed with " + (a.capacity() - s.slabBytes()) + " bytes of uncarved capacity");
    }

    @Test
    void sizesRoundToPowerOfTwoClassesFrom16To65536() {
        SlabAllocator a = new SlabAllocator(CAPACITY);
        assertEquals(AllocatorKind.SLAB, a.kind());
        assertEquals(65536, a.maxAllocation());
        assertEquals(16, a.footprint(1));
        assertEquals(16, a.footprint(16));
        assertEquals(32, a.footprint(17));
        assertEquals(32, a.footprint(32));
        assertEquals(64, a.footprint(33));
        for (int shift = 4; shift <= 16; shift++) {
            long c = 1L << shift;
            assertEquals(c, a.footprint(c), "class " + c);
            if (c > 16) {
                assertEquals(c, a.footprint(c / 2 + 1), "just above the class below " + c);
            }
        }
        assertEquals(65536, a.footprint(65535));
        assertEquals(65536, a.footprint(65536));
    }

    @Test
    void objectsOfOneClassShareASlabAndClassesUseSeparateSlabs() {
        SlabAllocator a = new SlabAllocator(CAPACITY);
        long first = a.allocate(100);
        assertEquals(SlabAllocator.SLAB_SIZE, a.slabBytes());
        for (int i = 1; i < SlabAllocator.SLAB_SIZE / 128; i++) {
            assertEquals(first + 128L * i, a.allocate(128), "object " + i + " of the 128-byte class");
        }
        assertEquals(SlabAllocator.SLAB_SIZE, a.slabBytes(), "512 objects of 128 bytes fill one slab");
        long next = a.allocate(128);
        assertEquals(2L * SlabAllocator.SLAB_SIZE, a.slabBytes(), "the 513th needs a second slab");
        assertEquals(SlabAllocator.SLAB_SIZE, next);
        long other = a.allocate(20);
        assertEquals(3L * SlabAllocator.SLAB_SIZE, a.slabBytes(), "another class takes its own slab");
        assertEquals(2L * SlabAllocator.SLAB_SIZE, other);
    }

    @Test
    void freedObjectsAreReusedLifoWithinTheirClass() {
        SlabAllocator a = new SlabAllocator(CAPACITY);
        long x = a.allocate(100);
        long y = a.allocate(120);
        long z = a.allocate(50);
        a.free(x, 100);
        a.free(y, 120);
        assertEquals(y, a.allocate(128), "the last freed 128-byte object comes back first");
        assertEquals(x, a.allocate(97));
        long fresh = a.allocate(128);
        assertFalse(fresh == x || fresh == y, "the free list is empty again");
        a.free(z, 50);
        long small = a.allocate(16);
        assertNotEquals(z, small, "a 64-byte object is not reused for the 16-byte class");
        assertEquals(z, a.allocate(64));
    }

    @Test
    void fullWhenNoSlabIsLeftForTheClass() {
        SlabAllocator a = new SlabAllocator(2L * SlabAllocator.SLAB_SIZE);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < SlabAllocator.SLAB_SIZE / 16; i++) {
            assertTrue(seen.add(a.allocate(16)));
        }
        assertEquals(0, a.allocate(65536) % SlabAllocator.SLAB_SIZE);
        assertEquals(Allocator.FAILED, a.allocate(16), "both slabs are used; no room for a third");
        assertEquals(Allocator.FAILED, a.allocate(32), "a new class needs a new slab");
        a.free(seen.iterator().next(), 16);
        assertNotEquals(Allocator.FAILED, a.allocate(16));
    }
}
