package dev.tvm.core.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The {@link Allocator} contract, run against every implementation by a subclass that supplies the
 * factory. Each property is checked against a reference model: a {@link TreeMap} from the offset
 * of every live allocation to {@code {end, size}}, where {@code end = offset + footprint(size)}.
 *
 * <ul>
 *   <li>every offset is a multiple of {@link Allocator#ALIGNMENT} and {@code [offset, end)} lies
 *       inside {@code [0, capacity)};
 *   <li>no live allocation overlaps another;
 *   <li>{@code usedBytes()} is the sum of the live footprints;
 *   <li>a request that cannot be met returns exactly {@link Allocator#FAILED}, never another value;
 *   <li>{@code reset()} forgets everything.
 * </ul>
 *
 * Subclasses may add an exact placement expectation ({@link #expectedOffset}) and a justification
 * check for failures ({@link #checkFailureJustified}).
 */
abstract class AllocatorContractTest {
    /** The expectation "any valid offset (or a justified failure) will do". */
    static final long ANY = -2L;

    static final long CAPACITY = 1L << 20;

    /** Creates the allocator under test. */
    abstract Allocator newAllocator(long capacity);

    /** A random request size valid for this allocator, skewed towards small requests. */
    long randomSize(Random rnd, Allocator a) {
        long max = a.maxAllocation();
        int pick = rnd.nextInt(100);
        long size;
        if (pick < 70) {
            size = 1L + rnd.nextInt(256);
        } else if (pick < 95) {
            size = 1L + rnd.nextInt(8192);
        } else {
            size = 1L + rnd.nextInt(65536);
        }
        return Math.min(size, max);
    }

    /** The footprint this allocator must report for {@code size}. */
    abstract long expectedFootprint(Allocator a, long size);

    /**
     * The offset the next {@code allocate(size)} must return given the model, {@link
     * Allocator#FAILED} if it must fail, or {@link #ANY} if the model cannot tell.
     */
    long expectedOffset(Allocator a, NavigableMap<Long, long[]> live, long size) {
        return ANY;
    }

    /** Called when {@code allocate(size)} failed; asserts that the failure was legitimate. */
    void checkFailureJustified(Allocator a, NavigableMap<Long, long[]> live, long size) {}

    // ---------------------------------------------------------------- model helpers

    static long sumFootprints(NavigableMap<Long, long[]> live) {
        long sum = 0;
        for (Map.Entry<Long, long[]> e : live.entrySet()) {
            sum += e.getValue()[0] - e.getKey();
        }
        return sum;
    }

    /** Free gaps {start, length} of the model, in address order, up to {@code capacity}. */
    static List<long[]> gaps(NavigableMap<Long, long[]> live, long capacity) {
        List<long[]> out = new ArrayList<>();
        long cursor = 0;
        for (Map.Entry<Long, long[]> e : live.entrySet()) {
            if (e.getKey() > cursor) {
                out.add(new long[] {cursor, e.getKey() - cursor});
            }
            cursor = e.getValue()[0];
        }
        if (capacity > cursor) {
            out.add(new long[] {cursor, capacity - cursor});
        }
        return out;
    }

    /** Allocates and checks every contract property for the new allocation; returns the offset. */
    long allocateChecked(Allocator a, NavigableMap<Long, long[]> live, long size) {
        long expected = expectedOffset(a, live, size);
        long offset = a.allocate(size);
        if (expected != ANY) {
            assertEquals(expected, offset, "placement of a " + size + "-byte request");
        }
        if (offset == Allocator.FAILED) {
            checkFailureJustified(a, live, size);
            assertEquals(sumFootprints(live), a.usedBytes(), "a failed request changes nothing");
            return offset;
        }
        long footprint = a.footprint(size);
        assertTrue(offset >= 0, "offset " + offset + " is neither FAILED nor valid");
        assertEquals(0, offset % Allocator.ALIGNMENT, "offset " + offset + " is not 8-aligned");
        assertTrue(
                offset + footprint <= a.capacity(),
                "[" + offset + ", " + (offset + footprint) + ") exceeds capacity " + a.capacity());
        Map.Entry<Long, long[]> below = live.floorEntry(offset);
        if (below != null) {
            assertTrue(
                    below.getValue()[0] <= offset,
                    "new [" + offset + ", +" + footprint + ") overlaps live [" + below.getKey() + ", "
                            + below.getValue()[0] + ")");
        }
        Map.Entry<Long, long[]> above = live.ceilingEntry(offset);
        if (above != null) {
            assertTrue(
                    offset + footprint <= above.getKey(),
                    "new [" + offset + ", +" + footprint + ") overlaps live [" + above.getKey() + ", "
                            + above.getValue()[0] + ")");
        }
        live.put(offset, new long[] {offset + footprint, size});
        assertEquals(sumFootprints(live), a.usedBytes(), "usedBytes is the sum of live footprints");
        return offset;
    }

    void freeChecked(Allocator a, NavigableMap<Long, long[]> live, long offset) {
        long[] range = live.remove(offset);
        a.free(offset, range[1]);
        assertEquals(sumFootprints(live), a.usedBytes(), "usedBytes after free");
    }

    /** Slides the model's allocations together, as Region.compact does, and tells the allocator. */
    static void compactModel(Allocator a, NavigableMap<Long, long[]> live) {
        List<long[]> sizes = new ArrayList<>();
        for (long[] v : live.values()) {
            sizes.add(v);
        }
        live.clear();
        long cursor = 0;
        for (long[] v : sizes) {
            long footprint = a.footprint(v[1]);
            live.put(cursor, new long[] {cursor + footprint, v[1]});
            cursor += footprint;
        }
        a.compacted(cursor);
        assertEquals(cursor, a.usedBytes(), "usedBytes after compaction is the new top");
    }

    // ---------------------------------------------------------------- tests

    @Test
    void footprintIsAlignedAndCoversTheRequest() {
        Allocator a = newAllocator(CAPACITY);
        for (long size = 1; size <= a.maxAllocation(); size = size < 300 ? size + 1 : size * 3 / 2) {
            long f = a.footprint(size);
            assertTrue(f >= size, "footprint " + f + " < size " + size);
            assertEquals(0, f % Allocator.ALIGNMENT, "footprint " + f + " of " + size);
            assertEquals(expectedFootprint(a, size), f, "footprint of " + size);
        }
        long max = a.maxAllocation();
        assertEquals(expectedFootprint(a, max), a.footprint(max));
        assertTrue(max > 0 && max <= a.capacity());
    }

    @Test
    void freshAllocatorIsEmpty() {
        Allocator a = newAllocator(CAPACITY);
        assertEquals(0, a.usedBytes());
        assertEquals(CAPACITY, a.capacity());
    }

    @Test
    void allocationsAreAlignedInsideAndDisjointUntilFull() {
        Allocator a = newAllocator(CAPACITY);
        NavigableMap<Long, long[]> live = new TreeMap<>();
        Random rnd = new Random(42);
        int failures = 0;
        while (failures < 50) {
            if (allocateChecked(a, live, randomSize(rnd, a)) == Allocator.FAILED) {
                failures++;
            }
        }
        assertFalse(live.isEmpty());
        assertTrue(a.usedBytes() <= a.capacity());
    }

    @Test
    void fullRegionReturnsFailedAndNeverABadOffset() {
        Allocator a = newAllocator(CAPACITY);
        NavigableMap<Long, long[]> live = new TreeMap<>();
        long big = a.maxAllocation();
        while (allocateChecked(a, live, big) != Allocator.FAILED) {
            assertTrue(live.size() <= CAPACITY / Allocator.ALIGNMENT);
        }
        // Now fill any remaining crumbs with the smallest request.
        while (allocateChecked(a, live, 1) != Allocator.FAILED) {
            assertTrue(live.size() <= CAPACITY / Allocator.ALIGNMENT);
        }
        long used = a.usedBytes();
        for (long size : new long[] {1, 8, 9, 100, 4096, big}) {
            assertEquals(Allocator.FAILED, a.allocate(size), "a full allocator fails for size " + size);
            assertEquals(used, a.usedBytes(), "a failed request reserves nothing");
        }
        // Freeing one allocation makes room for a request of its size again.
        Map.Entry<Long, long[]> first = live.firstEntry();
        long size = first.getValue()[1];
        freeChecked(a, live, first.getKey());
        long again = allocateChecked(a, live, size);
        assertNotEquals(Allocator.FAILED, again, "freed space is reusable");
    }

    @Test
    void resetForgetsEveryAllocation() {
        Allocator a = newAllocator(CAPACITY);
        NavigableMap<Long, long[]> live = new TreeMap<>();
        Random rnd = new Random(7);
        int firstRound = 0;
        while (allocateChecked(a, live, 4096) != Allocator.FAILED) {
            firstRound++;
        }
        for (int i = 0; i < 20; i++) {
            allocateChecked(a, live, randomSize(rnd, a));
        }
        a.reset();
        live.clear();
        assertEquals(0, a.usedBytes());
        int secondRound = 0;
        while (allocateChecked(a, live, 4096) != Allocator.FAILED) {
            secondRound++;
        }
        assertEquals(firstRound, secondRound, "after reset the whole capacity is available again");
        a.reset();
        assertEquals(0, a.usedBytes());
        live.clear();
        assertNotEquals(Allocator.FAILED, allocateChecked(a, live, a.maxAllocation()));
    }

    @Test
    void randomSequencesKeepTheContract() {
        Allocator a = newAllocator(CAPACITY);
        NavigableMap<Long, long[]> live = new TreeMap<>();
        List<Long> offsets = new ArrayList<>();
        Random rnd = new Random(0xA110C);
        int allocs = 0;
        int fails = 0;
        int frees = 0;
        int resets = 0;
        int compactions = 0;
        for (int op = 0; op < 50_000; op++) {
            int pick = rnd.nextInt(1000);
            if (pick < 2) {
                a.reset();
                live.clear();
                offsets.clear();
                assertEquals(0, a.usedBytes());
                resets++;
            } else if (pick < 7 && a.canCompact()) {
                compactModel(a, live);
                offsets.clear();
                offsets.addAll(live.keySet());
                compactions++;
            } else if (pick < 560 || offsets.isEmpty()) {
                long offset = allocateChecked(a, live, randomSize(rnd, a));
                if (offset == Allocator.FAILED) {
                    fails++;
                } else {
                    offsets.add(offset);
                    allocs++;
                }
            } else {
                int i = rnd.nextInt(offsets.size());
                long offset = offsets.get(i);
                offsets.set(i, offsets.get(offsets.size() - 1));
                offsets.remove(offsets.size() - 1);
                freeChecked(a, live, offset);
                frees++;
            }
        }
        assertTrue(allocs > 10_000, "allocations " + allocs);
        assertTrue(frees > 10_000, "frees " + frees);
        assertTrue(fails > 0, "the sequence must reach a full allocator");
        assertTrue(resets > 0);
        if (a.canCompact()) {
            assertTrue(compactions > 0);
        }
    }

    @Test
    void compactionSupportMatchesTheKind() {
        Allocator a = newAllocator(CAPACITY);
        if (a.canCompact()) {
            NavigableMap<Long, long[]> live = new TreeMap<>();
            long x = allocateChecked(a, live, 100);
            allocateChecked(a, live, 200);
            freeChecked(a, live, x);
            compactModel(a, live);
            // Everything above the new top is free: one request of exactly that size fits.
            long rest = a.capacity() - a.usedBytes();
            long offset = allocateChecked(a, live, Math.min(rest, a.maxAllocation()));
            assertNotEquals(Allocator.FAILED, offset);
        } else {
            assertThrows(UnsupportedOperationException.class, () -> a.compacted(0));
        }
    }

    @Test
    void createBuildsTheRequestedKind() {
        Allocator a = newAllocator(CAPACITY);
        Allocator b = Allocator.create(a.kind(), CAPACITY, 65536);
        assertEquals(a.kind(), b.kind());
        assertEquals(a.getClass(), b.getClass());
    }
}
