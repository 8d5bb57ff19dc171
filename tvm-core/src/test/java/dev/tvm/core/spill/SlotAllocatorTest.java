package dev.tvm.core.spill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.TvmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlotAllocatorTest {
    @Test
    void firstFitReusesTheLowestFreeRunThatIsLongEnough() {
        SlotAllocator a = new SlotAllocator(0);
        assertEquals(0, a.allocate(4)); // [0,4)
        assertEquals(4, a.allocate(2)); // [4,6)
        assertEquals(6, a.allocate(4)); // [6,10)
        assertEquals(10, a.allocate(1)); // [10,11)
        a.free(4, 2); // hole of 2 at 4
        a.free(0, 4); // coalesces with it: hole of 6 at 0
        assertEquals(1, a.freeRuns());
        assertEquals(6, a.freeSlots());
        assertEquals(0, a.allocate(3), "lowest fit");
        assertEquals(3, a.allocate(3), "the rest of the same run");
        assertEquals(11, a.allocate(1), "nothing free: the file grows");
        assertEquals(12, a.slotCount());
        assertEquals(0, a.freeSlots());
    }

    @Test
    void freeCoalescesOnBothSides() {
        SlotAllocator a = new SlotAllocator(0);
        for (int i = 0; i < 5; i++) {
            assertEquals(i * 2L, a.allocate(2));
        }
        a.free(2, 2);
        a.free(6, 2);
        assertEquals(2, a.freeRuns());
        a.free(4, 2); // joins [2,4) and [6,8)
        assertEquals(1, a.freeRuns());
        assertEquals(2, a.allocate(6), "one run of 6");
    }

    @Test
    void aFreeTailIsExtendedInsteadOfLeftBehind() {
        SlotAllocator a = new SlotAllocator(0);
        a.allocate(4);
        a.allocate(4);
        a.free(4, 4); // tail [4,8) free
        assertEquals(4, a.allocate(6), "starts in the free tail and grows the file by 2");
        assertEquals(10, a.slotCount());
        assertEquals(0, a.freeSlots());
    }

    @Test
    void doubleFreeAndForeignRangesAreRefused() {
        SlotAllocator a = new SlotAllocator(0);
        a.allocate(8);
        a.free(2, 2);
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.free(2, 2));
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.free(1, 2), "overlaps a free run");
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.free(3, 3), "starts inside a free run");
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.free(7, 2), "beyond the file");
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.free(-1, 1));
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.allocate(0));
        assertFalse(a.isAllocated(1, 2));
        assertTrue(a.isAllocated(4, 4));
        assertTrue(a.isAllocated(0, 2));
    }

    @Test
    void markUsedCarvesRunsOutOfAReopenedFile() {
        SlotAllocator a = new SlotAllocator(10); // as after open: all free
        assertEquals(10, a.freeSlots());
        a.markUsed(3, 2);
        a.markUsed(9, 1);
        assertEquals(7, a.freeSlots());
        assertEquals(2, a.freeRuns()); // [0,3) [5,9)
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.markUsed(4, 1), "already used");
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.markUsed(8, 2), "partly used");
        assertThrows(TvmException.InvalidArgumentException.class, () -> a.markUsed(10, 1), "beyond the file");
        assertEquals(0, a.allocate(3));
        assertEquals(5, a.allocate(4));
        assertEquals(10, a.allocate(1));
    }

    @Test
    void trimTailDropsOnlyAFreeRunAtTheEnd() {
        SlotAllocator a = new SlotAllocator(0);
        a.allocate(3);
        a.allocate(3);
        a.allocate(3);
        a.free(3, 3);
        assertEquals(9, a.trimTail(), "the end is allocated");
        a.free(6, 3); // coalesces into [3,9)
        assertEquals(3, a.trimTail());
        assertEquals(0, a.freeSlots());
        assertEquals(0, a.freeRuns());
        a.free(0, 3);
        assertEquals(0, a.trimTail());
    }

    /** Random allocate/free/markUsed against a bit set: same answers, coalesced runs, first fit. */
    @Test
    void agreesWithABitSetModel() {
        Random random = new Random(42);
        SlotAllocator a = new SlotAllocator(0);
        BitSet used = new BitSet();
        long slotCount = 0;
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 5 || live.isEmpty()) {
                int pages = 1 + (random.nextInt(4) == 0 ? random.nextInt(40) : random.nextInt(4));
                long expected = firstFit(used, slotCount, pages);
                long got = a.allocate(pages);
                assertEquals(expected, got, "step " + step + ": first fit of " + pages);
                used.set((int) got, (int) got + pages);
                slotCount = Math.max(slotCount, got + pages);
                live.add(new long[] {got, pages});
            } else if (op < 9) {
                long[] run = live.remove(random.nextInt(live.size()));
                // free the whole run or a piece of it, keeping the rest live
                long pages = run[1];
                long cut = pages > 1 && random.nextBoolean() ? 1 + random.nextInt((int) pages - 1) : pages;
                a.free(run[0], cut);
                used.clear((int) run[0], (int) (run[0] + cut));
                if (cut < pages) {
                    live.add(new long[] {run[0] + cut, pages - cut});
                }
            } else {
                slotCount = a.trimTail();
                assertEquals(used.length(), slotCount, "trimTail ends at the last used slot");
            }
            assertEquals(slotCount, a.slotCount());
            assertEquals(slotCount - used.cardinality(), a.freeSlots());
            assertEquals(clearRuns(used, slotCount), a.freeRuns(), "free runs are always coalesced");
        }
        for (long[] run : live) {
            assertTrue(a.isAllocated(run[0], run[1]));
        }
    }

    private static long firstFit(BitSet used, long slotCount, int pages) {
        int start = used.nextClearBit(0);
        while (start < slotCount) {
            int end = used.nextSetBit(start);
            if (end < 0 || end >= slotCount) {
                return start; // free tail: extended from here
            }
            if (end - start >= pages) {
                return start;
            }
            start = used.nextClearBit(end);
        }
        return slotCount;
    }

    private static int clearRuns(BitSet used, long slotCount) {
        int runs = 0;
        int i = used.nextClearBit(0);
        while (i < slotCount) {
            runs++;
            int end = used.nextSetBit(i);
            if (end < 0) {
                break;
            }
            i = used.nextClearBit(end);
        }
        return runs;
    }
}
