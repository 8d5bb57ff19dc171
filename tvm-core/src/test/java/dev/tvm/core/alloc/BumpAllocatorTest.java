package dev.tvm.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.AllocatorKind;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

/** The allocator contract plus stack-discipline frees for {@link BumpAllocator}. */
class BumpAllocatorTest extends AllocatorContractTest {
    @Override
    Allocator newAllocator(long capacity) {
        return new BumpAllocator(capacity);
    }

    @Override
    long expectedFootprint(Allocator a, long size) {
        return (size + 7) & -8L;
    }

    /** Always at the top, or failure exactly when the rest of the capacity is too small. */
    @Override
    long expectedOffset(Allocator a, NavigableMap<Long, long[]> live, long size) {
        BumpAllocator b = (BumpAllocator) a;
        long top = b.top();
        if (!live.isEmpty()) {
            assertTrue(top >= live.lastEntry().getValue()[0], "top below a live allocation");
        }
        return a.footprint(size) <= a.capacity() - top ? top : Allocator.FAILED;
    }

    @Test
    void allocationsAreConsecutive() {
        BumpAllocator a = new BumpAllocator(CAPACITY);
        assertEquals(AllocatorKind.BUMP, a.kind());
        assertEquals(0, a.allocate(3));
        assertEquals(8, a.allocate(8));
        assertEquals(16, a.allocate(17));
        assertEquals(40, a.top());
        assertEquals(40, a.usedBytes());
    }

    @Test
    void lifoFreesRollTheTopBack() {
        BumpAllocator a = new BumpAllocator(4096);
        long x = a.allocate(100);
        long y = a.allocate(200);
        long z = a.allocate(300);
        assertEquals(104 + 200 + 304, a.top());
        a.free(z, 300);
        assertEquals(y + 200, a.top());
        a.free(y, 200);
        assertEquals(x + 104, a.top());
        a.free(x, 100);
        assertEquals(0, a.top());
        assertEquals(0, a.usedBytes());
        assertEquals(0, a.allocate(4096), "the whole capacity is available after a full rollback");
    }

    @Test
    void nonLifoFreeKeepsTheTopButLowersUsage() {
        BumpAllocator a = new BumpAllocator(4096);
        long x = a.allocate(1000);
        long y = a.allocate(1000);
        a.free(x, 1000);
        assertEquals(2000, a.top(), "only the newest allocation rolls the top back");
        assertEquals(1000, a.usedBytes());
        a.free(y, 1000);
        assertEquals(1000, a.top(), "the top rolls back to the freed newest allocation only");
        assertEquals(0, a.usedBytes());
        a.compacted(0);
        assertEquals(0, a.top());
        assertEquals(0, a.allocate(4096));
    }

    @Test
    void failsExactlyWhenTheTailIsTooSmall() {
        BumpAllocator a = new BumpAllocator(4096);
        assertEquals(0, a.allocate(4000));
        assertEquals(Allocator.FAILED, a.allocate(97));
        assertEquals(4000, a.allocate(96));
        assertEquals(Allocator.FAILED, a.allocate(1));
        assertEquals(4096, a.usedBytes());
    }
}
