package dev.tvm.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.AllocatorKind;
import java.util.HashSet;
import java.util.NavigableMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allocator contract plus one page per allocation for {@link PageAllocator}. */
class PageAllocatorTest extends AllocatorContractTest {
    static final int PAGE = 4096;

    @Override
    Allocator newAllocator(long capacity) {
        return new PageAllocator(capacity, PAGE);
    }

    @Override
    long expectedFootprint(Allocator a, long size) {
        return PAGE;
    }

    /** Failure exactly when every page is taken. */
    @Override
    long expectedOffset(Allocator a, NavigableMap<Long, long[]> live, long size) {
        return live.size() == a.capacity() / PAGE ? Allocator.FAILED : ANY;
    }

    @Test
    void everyAllocationTakesOnePage() {
        PageAllocator a = new PageAllocator(CAPACITY, PAGE);
        assertEquals(AllocatorKind.PAGE, a.kind());
        assertEquals(PAGE, a.pageSize());
        assertEquals(PAGE, a.maxAllocation());
        Set<Long> pages = new HashSet<>();
        long[] sizes = {1, 8, 100, PAGE - 1, PAGE};
        int n = 0;
        while (true) {
            long size = sizes[n % sizes.length];
            long offset = a.allocate(size);
            if (offset == Allocator.FAILED) {
                break;
            }
            n++;
            assertEquals(PAGE, a.footprint(size));
            assertEquals(0, offset % PAGE, "pages are page-aligned");
            assertTrue(pages.add(offset), "page " + offset + " handed out twice");
            assertEquals((long) n * PAGE, a.usedBytes());
        }
        assertEquals(CAPACITY / PAGE, n, "one page per allocation, whatever its size");
    }

    @Test
    void freedPagesAreReusedBeforeFreshOnes() {
        PageAllocator a = new PageAllocator(CAPACITY, PAGE);
        long p0 = a.allocate(1);
        long p1 = a.allocate(1);
        a.allocate(1);
        a.free(p0, 1);
        a.free(p1, 1);
        assertEquals(p1, a.allocate(10));
        assertEquals(p0, a.allocate(10));
        assertEquals(3L * PAGE, a.allocate(10), "then the untouched tail");
    }

    @Test
    void capacityIsTruncatedToWholePagesAndPageSizeValidated() {
        PageAllocator a = new PageAllocator(10 * PAGE + 100, PAGE);
        assertEquals(10L * PAGE, a.capacity());
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(CAPACITY, 3000));
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(CAPACITY, 4));
        PageAllocator big = new PageAllocator(CAPACITY, 65536);
        assertEquals(65536, big.footprint(1));
        assertEquals(65536, big.maxAllocation());
    }
}
