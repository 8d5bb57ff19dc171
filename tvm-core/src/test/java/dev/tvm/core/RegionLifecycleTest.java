package dev.tvm.core;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.core.memory.ArenaBacking;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.BackingFactory;
import dev.tvm.core.memory.ReservedBacking;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Pins, resets, destruction, id reuse, the 65,535-region limit and closing a directory. */
class RegionLifecycleTest {
    static final long SMALL = 1 << 20;

    static TvmException assertRefused(ErrorCode code, Executable op) {
        TvmException e = assertThrows(TvmException.class, op);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    static RegionSpec small(RegionKind kind) {
        return RegionSpec.of(kind).withCapacity(SMALL);
    }

    @Test
    void pinPreventsCompactAndDestroyUntilUnpinned() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            long a = r.allocate(100);
            long b = r.allocate(100);
            dir.setLong(b, 0, 42);
            dir.free(a);
            assertFalse(r.isPinned());

            r.pin();
            r.pin(); // pins nest
            assertTrue(r.isPinned());
            assertEquals(2, r.info().pinCount());
            assertRefused(ErrorCode.PINNED, r::compact);
            assertRefused(ErrorCode.PINNED, () -> dir.destroy(r.ref()));
            assertSame(r, dir.region(r.ref()), "a refused destroy leaves the region in place");
            assertFalse(r.isDestroyed());
            // Allocation, access and reset move nothing that is in use, so they are allowed.
            long c = r.allocate(8);
            dir.setLong(c, 0, 7);
            assertEquals(42, dir.getLong(b, 0));

            r.unpin();
            assertTrue(r.isPinned(), "one pin is still held");
            assertRefused(ErrorCode.PINNED, r::compact);
            assertRefused(ErrorCode.PINNED, () -> dir.destroy(r.ref()));

            r.unpin();
            assertFalse(r.isPinned());
            assertRefused(ErrorCode.INVALID_ARGUMENT, r::unpin);
            CompactionResult result = r.compact();
            assertEquals(1, result.allocationsMoved(), "b slides into a's hole; c follows");
            assertEquals(42, dir.getLong(b, 0));
            assertEquals(7, dir.getLong(c, 0));
            dir.destroy(r.ref());
            assertTrue(r.isDestroyed());
            assertRefused(ErrorCode.STALE_REGION, () -> dir.region(r.ref()));
        }
    }

    @Test
    void resetIsAllowedWhilePinned() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.SCRATCH));
            long h = r.allocate(64);
            r.pin();
            r.reset();
            assertRefused(ErrorCode.STALE_HANDLE, () -> dir.getLong(h, 0));
            r.unpin();
        }
    }

    @Test
    void pageStoreIsNotPinnableAndSlabAndPageRegionsCannotCompact() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region pages = dir.create(small(RegionKind.PAGE_STORE));
            assertFalse(pages.spec().policy().pinnable());
            assertRefused(ErrorCode.UNSUPPORTED, pages::pin);
            assertFalse(pages.isPinned());
            assertRefused(ErrorCode.UNSUPPORTED, pages::compact);

            Region slabs = dir.create(small(RegionKind.OBJECT_ARENA));
            assertRefused(ErrorCode.UNSUPPORTED, slabs::compact);
            slabs.pin();
            assertRefused(ErrorCode.PINNED, slabs::compact, "a pin is reported before the allocator");
            slabs.unpin();

            Region notPinnable = dir.create(small(RegionKind.HOT_HEAP)
                    .withPolicy(RegionKind.HOT_HEAP.defaultPolicy().withPinnable(false)));
            assertRefused(ErrorCode.UNSUPPORTED, notPinnable::pin);
            notPinnable.compact();

            for (RegionKind kind : RegionKind.values()) {
                Region r = dir.create(small(kind));
                if (kind.defaultPolicy().pinnable()) {
                    r.pin();
                    r.unpin();
                } else {
                    assertRefused(ErrorCode.UNSUPPORTED, r::pin);
                }
            }
        }
    }

    private static void assertRefused(ErrorCode code, Executable op, String why) {
        TvmException e = assertThrows(TvmException.class, op, why);
        assertEquals(code, e.code(), why + ": " + e.getMessage());
    }

    static void resetInvalidatesEverythingAndZeroes(BackingFactory factory) {
        try (RegionDirectory dir =
                RegionDirectory.builder().withBackingFactory(factory).build()) {
            for (AllocatorKind kind : AllocatorKind.values()) {
                Region r = dir.create(small(RegionKind.HOT_HEAP).withAllocator(kind));
                long max = Math.min(r.maxAllocation(), 65536);
                List<Long> handles = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    long h = r.allocate(max);
                    dir.fill(h, 0, max, (byte) (i + 1));
                    handles.add(h);
                }
                r.reset();
                RegionStats s = r.stats();
                assertEquals(0, s.liveAllocations());
                assertEquals(0, s.liveBytes());
                assertEquals(0, s.usedBytes());
                assertEquals(0, s.touchedBytes());
                for (long h : handles) {
                    assertRefused(ErrorCode.STALE_HANDLE, () -> dir.getInt(h, 0));
                    assertRefused(ErrorCode.STALE_HANDLE, () -> dir.fill(h, 0, 1, (byte) 9));
                    assertRefused(ErrorCode.STALE_HANDLE, () -> dir.free(h));
                    assertRefused(ErrorCode.STALE_HANDLE, () -> dir.sizeOf(h));
                }
                // The same space handed out again reads zero everywhere.
                byte[] back = new byte[(int) max];
                for (int i = 0; i < 12; i++) {
                    long h = r.allocate(max);
                    assertFalse(handles.contains(h), "a handle is never reissued");
                    dir.read(h, 0, MemorySegment.ofArray(back), 0, max);
                    for (int j = 0; j < back.length; j++) {
                        if (back[j] != 0) {
                            throw new AssertionError(
                                    kind + ": byte " + j + " of a post-reset allocation is " + back[j]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void resetInvalidatesAllHandlesAndMemoryReadsZero() {
        resetInvalidatesEverythingAndZeroes(ArenaBacking::allocate);
        if (ReservedBacking.isSupported()) {
            resetInvalidatesEverythingAndZeroes(ReservedBacking::reserve);
        }
    }

    @Test
    void destroyedIdIsReusedUnderANewGeneration() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region first = dir.create(small(RegionKind.HOT_HEAP));
            Region other = dir.create(small(RegionKind.HOT_HEAP));
            long h = first.allocate(32);
            dir.setLong(h, 0, 99);
            int oldRef = first.ref();
            dir.destroy(oldRef);
            assertTrue(first.isDestroyed());
            assertRefused(ErrorCode.STALE_REGION, () -> dir.getLong(h, 0));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.region(oldRef));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.destroy(oldRef));
            assertRefused(ErrorCode.STALE_REGION, () -> first.allocate(8));

            Region second = dir.create(small(RegionKind.BLOB_ARENA));
            assertEquals(first.id(), second.id(), "the freed id is reused");
            assertEquals(HandleCodec.regionGen(oldRef) + 1, HandleCodec.regionGen(second.ref()));
            assertNotEquals(oldRef, second.ref());
            long h2 = second.allocate(32);
            assertEquals(HandleCodec.slot(h), HandleCodec.slot(h2), "same slot in the new incarnation");
            assertNotEquals(h, h2);
            TvmException e = assertRefused(ErrorCode.STALE_REGION, () -> dir.getLong(h, 0));
            assertTrue(e.getMessage().contains(HandleCodec.describe(h)), e.getMessage());
            assertRefused(ErrorCode.STALE_REGION, () -> dir.free(h));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.copy(h2, 0, h, 0, 8));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.region(oldRef));
            assertRefused(ErrorCode.STALE_REGION, () -> second.free(h), "through the Region object too");
            assertEquals(0, dir.getLong(h2, 0), "the new incarnation's memory is fresh");

            // A generation that was never issued and an id never used are NO_SUCH_REGION.
            int future = HandleCodec.regionRef(second.id(), HandleCodec.regionGen(second.ref()) + 1);
            assertRefused(ErrorCode.NO_SUCH_REGION, () -> dir.region(future));
            assertRefused(ErrorCode.NO_SUCH_REGION, () -> dir.getLong(HandleCodec.handle(future, 0, 1), 0));
            assertRefused(ErrorCode.NO_SUCH_REGION, () -> dir.region(HandleCodec.regionRef(999, 1)));
            assertRefused(ErrorCode.NO_SUCH_REGION, () -> dir.region(0));
            assertRefused(ErrorCode.FORGED_HANDLE, () -> dir.getLong(0, 0));
            assertSame(other, dir.region(other.ref()));
        }
    }

    @Test
    void handlesOfOneRegionAreRefusedByAnother() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region a = dir.create(small(RegionKind.HOT_HEAP));
            Region b = dir.create(small(RegionKind.HOT_HEAP));
            long h = a.allocate(16);
            assertRefused(ErrorCode.INVALID_ARGUMENT, () -> b.free(h));
            assertRefused(ErrorCode.INVALID_ARGUMENT, () -> b.getLong(h, 0));
            assertEquals(16, dir.sizeOf(h), "the refused free did nothing");
        }
    }

    /** 64 KiB slices of one shared reservation, so 65,535 regions need one mapping, not 65,535. */
    static final class SliceFactory implements BackingFactory, AutoCloseable {
        static final long SLICE = 64 * 1024;
        final ReservedBacking shared;
        final Deque<Integer> freeSlices = new ArrayDeque<>();
        int next;
        int closes;

        SliceFactory(int slices) {
            shared = ReservedBacking.reserve(slices * SLICE);
        }

        @Override
        public synchronized Backing create(long capacity) {
            assertEquals(SLICE, capacity);
            Integer reused = freeSlices.poll();
            int index = reused != null ? reused : next++;
            MemorySegment slice = shared.segment().asSlice(index * SLICE, SLICE);
            if (reused != null) {
                shared.discard(index * SLICE, SLICE); // fresh slices are untouched and read zero
            }
            return new Backing() {
                boolean closed;

                @Override
                public MemorySegment segment() {
                    return slice;
                }

                @Override
                public long capacity() {
                    return SLICE;
                }

                @Override
                public void discard(long offset, long length) {
                    slice.asSlice(offset, length).fill((byte) 0);
                }

                @Override
                public void close() {
                    synchronized (SliceFactory.this) {
                        if (!closed) {
                            closed = true;
                            closes++;
                            freeSlices.push(index);
                        }
                    }
                }
            };
        }

        @Override
        public void close() {
            shared.close();
        }
    }

    @Test
    void sixtyFiveThousandFiveHundredThirtyFiveRegionsAndNoMore() {
        assumeTrue(ReservedBacking.isSupported());
        int max = HandleCodec.MAX_REGION_ID;
        try (SliceFactory factory = new SliceFactory(max);
                RegionDirectory dir =
                        RegionDirectory.builder().withBackingFactory(factory).build()) {
            RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(SliceFactory.SLICE);
            Region[] regions = new Region[max + 1];
            for (int i = 1; i <= max; i++) {
                Region r = dir.create(spec);
                assertEquals(i, r.id(), "ids are handed out in order");
                assertEquals(1, HandleCodec.regionGen(r.ref()));
                regions[i] = r;
            }
            assertEquals(max, dir.regionCount());
            assertEquals(max, dir.stats().liveRegions());
            TvmException full = assertRefused(ErrorCode.TOO_MANY_REGIONS, () -> dir.create(spec));
            assertTrue(full instanceof TvmException.CapacityExceededException);
            assertEquals(max, dir.regionCount(), "a refused create changes nothing");

            // The highest id works like any other; its handles are negative as signed longs.
            long high = regions[max].allocate(1000);
            assertTrue(high < 0);
            dir.fill(high, 0, 1000, (byte) 3);
            long low = regions[1].allocate(1000);
            assertEquals(0, dir.getLong(low, 0), "slices do not overlap");
            assertEquals(0x0303030303030303L, dir.getLong(high, 992));

            // Freeing one id makes exactly one more create possible, with the next generation.
            dir.destroy(regions[777].ref());
            Region again = dir.create(spec);
            assertEquals(777, again.id());
            assertEquals(2, HandleCodec.regionGen(again.ref()));
            assertRefused(ErrorCode.TOO_MANY_REGIONS, () -> dir.create(spec));
        }
    }

    @Test
    void errorMessagesDecodeTheHandle() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            long h = r.allocate(16);
            int id = r.id();
            int gen = HandleCodec.regionGen(r.ref());
            String decoded =
                    "region " + id + " gen " + gen + ", slot " + HandleCodec.slot(h) + " gen " + HandleCodec.slotGen(h);

            TvmException oob = assertRefused(ErrorCode.OUT_OF_BOUNDS, () -> dir.getLong(h, 12));
            assertTrue(oob.getMessage().contains(decoded), oob.getMessage());
            assertTrue(oob instanceof TvmException.OutOfBoundsException);

            TvmException forged = assertRefused(ErrorCode.FORGED_HANDLE, () -> dir.getLong(h + 1, 0));
            assertTrue(
                    forged.getMessage()
                            .contains("region " + id + " gen " + gen + ", slot " + HandleCodec.slot(h) + " gen "
                                    + (HandleCodec.slotGen(h) + 1)),
                    forged.getMessage());
            assertTrue(forged instanceof TvmException.InvalidHandleException);

            dir.free(h);
            TvmException stale = assertRefused(ErrorCode.STALE_HANDLE, () -> dir.getLong(h, 0));
            assertTrue(stale.getMessage().contains(decoded), stale.getMessage());
            assertTrue(stale.getMessage().contains(String.format("0x%016x", h)), stale.getMessage());

            dir.destroy(r.ref());
            TvmException gone = assertRefused(ErrorCode.STALE_REGION, () -> dir.getLong(h, 0));
            assertTrue(gone.getMessage().contains(decoded), gone.getMessage());
            assertTrue(gone instanceof TvmException.NoSuchRegionException);
        }
    }

    @Test
    void closedDirectoryRefusesEverythingAndClosesIdempotently() {
        RegionDirectory dir = RegionDirectory.builder().build();
        Region r = dir.create(small(RegionKind.HOT_HEAP));
        long h = r.allocate(8);
        r.pin(); // close destroys pinned regions too
        dir.close();
        assertTrue(dir.isClosed());
        assertTrue(r.isDestroyed());
        assertEquals(0, dir.regionCount());
        dir.close();
        assertRefused(ErrorCode.CLOSED, () -> dir.create(small(RegionKind.HOT_HEAP)));
        assertRefused(ErrorCode.CLOSED, () -> dir.getLong(h, 0));
        assertRefused(ErrorCode.CLOSED, () -> dir.region(r.ref()));
        assertRefused(ErrorCode.STALE_REGION, () -> r.allocate(8));
        assertEquals(1, dir.stats().regionsDestroyed());
    }

    @Test
    void backingMemoryIsReleasedOnDestroy() {
        List<Backing> made = new ArrayList<>();
        BackingFactory tracking = capacity -> {
            Backing b = ArenaBacking.allocate(capacity);
            made.add(b);
            return b;
        };
        try (RegionDirectory dir =
                RegionDirectory.builder().withBackingFactory(tracking).build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            MemorySegment seg = made.get(0).segment();
            seg.get(JAVA_BYTE, 0);
            dir.destroy(r.ref());
            assertThrows(IllegalStateException.class, () -> seg.get(JAVA_BYTE, 0));
            dir.create(small(RegionKind.HOT_HEAP));
        }
        assertThrows(IllegalStateException.class, () -> made.get(1).segment().get(JAVA_BYTE, 0));
    }

    @Test
    void anIdWhoseGenerationsAreExhaustedIsRetiredForGood() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            RegionSpec spec = RegionSpec.of(RegionKind.SCRATCH).withCapacity(65536);
            int firstRef = 0;
            int lastRef = 0;
            for (int gen = 1; gen <= HandleCodec.MAX_REGION_GEN; gen++) {
                Region r = dir.create(spec);
                assertEquals(1, r.id());
                assertEquals(gen, HandleCodec.regionGen(r.ref()));
                if (gen == 1) {
                    firstRef = r.ref();
                }
                lastRef = r.ref();
                dir.destroy(r.ref());
            }
            Region next = dir.create(spec);
            assertEquals(2, next.id(), "id 1 reached generation 4095 and is never reused");
            assertEquals(1, HandleCodec.regionGen(next.ref()));
            int first = firstRef;
            int last = lastRef;
            assertRefused(ErrorCode.STALE_REGION, () -> dir.region(first));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.region(last));
            assertRefused(ErrorCode.STALE_REGION, () -> dir.getLong(HandleCodec.handle(last, 0, 1), 0));
            assertEquals(HandleCodec.MAX_REGION_GEN + 1L, dir.stats().regionsCreated());
        }
    }

    @Test
    void aSlotWhoseGenerationsAreExhaustedIsRetiredForGood() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            long[] issued = new long[HandleCodec.MAX_SLOT_GEN];
            for (int gen = 1; gen <= HandleCodec.MAX_SLOT_GEN; gen++) {
                long h = r.allocate(8);
                assertEquals(0, HandleCodec.slot(h), "a freed slot is reused");
                assertEquals(gen, HandleCodec.slotGen(h), "under the next generation");
                issued[gen - 1] = h;
                dir.free(h);
            }
            long next = r.allocate(8);
            assertEquals(1, HandleCodec.slot(next), "slot 0 reached generation 4095 and is never reused");
            assertEquals(1, HandleCodec.slotGen(next));
            for (long h : new long[] {issued[0], issued[1000], issued[issued.length - 1]}) {
                assertRefused(ErrorCode.STALE_HANDLE, () -> dir.getLong(h, 0));
            }
            assertRefused(ErrorCode.FORGED_HANDLE, () -> dir.getLong(next + 1, 0));
        }
    }

    @Test
    void listDescribesLiveRegionsById() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region a = dir.create(small(RegionKind.HOT_HEAP).withName("a"));
            Region b = dir.create(small(RegionKind.PAGE_STORE).withName("b"));
            Region c = dir.create(small(RegionKind.OBJECT_ARENA).withName("c"));
            dir.destroy(b.ref());
            a.pin();
            c.allocate(10);
            List<RegionInfo> list = dir.list();
            assertEquals(2, list.size());
            RegionInfo ia = list.get(0);
            RegionInfo ic = list.get(1);
            assertEquals(a.ref(), ia.ref());
            assertEquals(a.id(), ia.id());
            assertEquals(1, ia.generation());
            assertEquals("a", ia.name());
            assertEquals(RegionKind.HOT_HEAP, ia.kind());
            assertEquals(AllocatorKind.FREE_LIST, ia.allocator());
            assertEquals(Tier.HOT, ia.tier());
            assertEquals(SMALL, ia.capacity());
            assertEquals(1, ia.pinCount());
            assertEquals(c.ref(), ic.ref());
            assertEquals(AllocatorKind.SLAB, ic.allocator());
            assertEquals(1, ic.stats().liveAllocations());
            assertEquals(List.of(a, c), dir.liveRegions());
        }
    }
}
