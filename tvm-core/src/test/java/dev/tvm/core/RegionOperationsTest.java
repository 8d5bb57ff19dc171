package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Deterministic checks of single operations: batches, zeroing, copies, byte order, limits. */
class RegionOperationsTest {
    static final long CAP = 64 * 1024;

    static void refuse(ErrorCode code, Executable op) {
        TvmException e = assertThrows(TvmException.class, op);
        assertEquals(code, e.code(), e.getMessage());
    }

    static RegionSpec spec(AllocatorKind kind, long capacity) {
        return RegionSpec.of(RegionKind.HOT_HEAP).withAllocator(kind).withCapacity(capacity);
    }

    /** Regression: a failed batch in a bump region must give back all of its space. */
    @Test
    void failedBatchIsAllOrNothingForEveryAllocator() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            for (AllocatorKind kind : AllocatorKind.values()) {
                Region r = dir.create(spec(kind, CAP));
                long size = 30_000;
                long footprint = kind == AllocatorKind.SLAB ? 32768 : kind == AllocatorKind.PAGE ? 65536 : 30_000;
                int fits = (int) (CAP / footprint);
                long[] out = new long[64];
                refuse(ErrorCode.REGION_FULL, () -> r.allocateBatch(size, 64, out, 0));
                RegionStats s = r.stats();
                assertEquals(0, s.liveAllocations(), kind + ": nothing is left live");
                assertEquals(0, s.usedBytes(), kind + ": no space is kept");
                assertEquals(0, s.allocations(), kind + ": a failed batch counts no allocation");
                // Everything the failed batch took is available again.
                r.allocateBatch(size, fits, out, 0);
                assertEquals(fits, r.stats().liveAllocations(), kind.toString());
                refuse(ErrorCode.REGION_FULL, () -> r.allocate(size));
            }
            // The bump case exactly: 2 of 3 fit, the batch fails, then the full capacity must fit.
            Region bump = dir.create(spec(AllocatorKind.BUMP, CAP));
            refuse(ErrorCode.REGION_FULL, () -> bump.allocateBatch(30_000, 3, new long[3], 0));
            long all = bump.allocate(CAP);
            assertEquals(CAP, dir.sizeOf(all));
        }
    }

    @Test
    void batchHandlesAreDistinctZeroedAndPlacedAtTheOffset() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(spec(AllocatorKind.SLAB, 1 << 20));
            long[] out = new long[10];
            r.allocateBatch(24, 6, out, 3);
            assertEquals(0, out[0]);
            assertEquals(0, out[9]);
            Set<Long> seen = new HashSet<>();
            for (int i = 3; i < 9; i++) {
                assertTrue(seen.add(out[i]));
                assertEquals(24, dir.sizeOf(out[i]));
                assertEquals(0, dir.getLong(out[i], 16));
            }
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocateBatch(24, 2, new long[2], 1));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocateBatch(24, -1, new long[2], 0));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocateBatch(24, 1, new long[2], -1));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocateBatch(0, 1, new long[2], 0));
            r.allocateBatch(24, 0, new long[0], 0);
            assertEquals(6, r.stats().liveAllocations());
        }
    }

    @Test
    void reusedSpaceReadsZeroForEveryAllocator() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            for (AllocatorKind kind : AllocatorKind.values()) {
                Region r = dir.create(spec(kind, 1 << 20));
                long size = Math.min(4096, r.maxAllocation());
                for (int round = 0; round < 5; round++) {
                    long h = r.allocate(size);
                    byte[] back = new byte[(int) size];
                    dir.read(h, 0, MemorySegment.ofArray(back), 0, size);
                    assertArrayEquals(new byte[(int) size], back, kind + " round " + round);
                    dir.fill(h, 0, size, (byte) 0xEE);
                    dir.free(h); // the next round reuses the same space
                }
            }
        }
    }

    @Test
    void compactionKeepsHandlesAndZeroesTheReleasedTail() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            for (AllocatorKind kind : new AllocatorKind[] {AllocatorKind.FREE_LIST, AllocatorKind.BUMP}) {
                Region r = dir.create(spec(kind, CAP));
                long[] h = new long[8];
                for (int i = 0; i < h.length; i++) {
                    h[i] = r.allocate(1000 + i);
                    dir.fill(h[i], 0, 1000 + i, (byte) (i + 1));
                }
                for (int i = 0; i < h.length; i += 2) {
                    dir.free(h[i]);
                }
                CompactionResult c = r.compact();
                assertEquals(4, c.allocationsMoved(), kind.toString());
                for (int i = 1; i < h.length; i += 2) {
                    byte[] back = new byte[1000 + i];
                    dir.read(h[i], 0, MemorySegment.ofArray(back), 0, back.length);
                    for (byte b : back) {
                        assertEquals((byte) (i + 1), b, kind + " allocation " + i);
                    }
                }
                // Everything above the new top reads zero when handed out again.
                long rest = r.allocate(CAP - c.touchedAfter());
                byte[] back = new byte[(int) (CAP - c.touchedAfter())];
                dir.read(rest, 0, MemorySegment.ofArray(back), 0, back.length);
                assertArrayEquals(new byte[back.length], back, kind.toString());
            }
        }
    }

    @Test
    void overlappingCopiesBehaveLikeMemmove() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(spec(AllocatorKind.FREE_LIST, CAP));
            long h = r.allocate(64);
            byte[] data = new byte[64];
            for (int i = 0; i < 64; i++) {
                data[i] = (byte) i;
            }
            dir.write(h, 0, MemorySegment.ofArray(data), 0, 64);
            dir.copy(h, 8, h, 0, 32); // forward overlap
            byte[] back = new byte[64];
            dir.read(h, 0, MemorySegment.ofArray(back), 0, 64);
            for (int i = 0; i < 32; i++) {
                assertEquals((byte) i, back[8 + i]);
            }
            dir.write(h, 0, MemorySegment.ofArray(data), 0, 64);
            dir.copy(h, 0, h, 8, 32); // backward overlap
            dir.read(h, 0, MemorySegment.ofArray(back), 0, 64);
            for (int i = 0; i < 32; i++) {
                assertEquals((byte) (8 + i), back[i]);
            }
            dir.copy(h, 0, h, 0, 0); // empty copy at the boundary is fine
            dir.copy(h, 64, h, 0, 0);
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.copy(h, 65, h, 0, 0));
        }
    }

    @Test
    void loadsAndStoresAreLittleEndian() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(spec(AllocatorKind.FREE_LIST, CAP));
            long h = r.allocate(32);
            dir.setLong(h, 1, 0x0102030405060708L); // unaligned
            byte[] back = new byte[10];
            dir.read(h, 0, MemorySegment.ofArray(back), 0, 10);
            assertArrayEquals(new byte[] {0, 8, 7, 6, 5, 4, 3, 2, 1, 0}, back);
            dir.setInt(h, 12, 0xA1B2C3D4);
            assertEquals((byte) 0xD4, (byte) dir.getInt(h, 12));
            assertEquals(0xA1B2C3D4, dir.getInt(h, 12));
            dir.setFloat(h, 16, 1.5f);
            assertEquals(1.5f, dir.getFloat(h, 16));
            assertEquals(Float.floatToRawIntBits(1.5f), dir.getInt(h, 16));
            dir.setDouble(h, 24, -2.25);
            assertEquals(-2.25, dir.getDouble(h, 24));
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.getDouble(h, 25));
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.setInt(h, 29, 0));
            dir.setInt(h, 28, 0);
        }
    }

    @Test
    void allocationSizesAreBoundedPerAllocator() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region slab = dir.create(spec(AllocatorKind.SLAB, 1 << 20));
            assertEquals(65536, slab.maxAllocation());
            refuse(ErrorCode.INVALID_ARGUMENT, () -> slab.allocate(65537));
            Region page = dir.create(
                    RegionSpec.of(RegionKind.PAGE_STORE).withCapacity(1 << 20).withPageSize(4096));
            assertEquals(4096, page.maxAllocation());
            refuse(ErrorCode.INVALID_ARGUMENT, () -> page.allocate(4097));
            for (int i = 0; i < 256; i++) {
                page.allocate(1);
            }
            refuse(ErrorCode.REGION_FULL, () -> page.allocate(1));
            Region free = dir.create(spec(AllocatorKind.FREE_LIST, CAP));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> free.allocate(CAP + 1));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> free.allocate(-1));
            long all = free.allocate(CAP);
            refuse(ErrorCode.REGION_FULL, () -> free.allocate(1));
            dir.free(all);
            assertNotEquals(0, free.allocate(1));
        }
    }

    @Test
    void specValidationAndRounding() {
        RegionSpec s = RegionSpec.of(RegionKind.BLOB_ARENA);
        assertEquals(RegionSpec.MAX_CAPACITY, s.capacity());
        assertEquals(AllocatorKind.BUMP, s.allocator());
        assertEquals(65536, s.withCapacity(1).capacity());
        assertEquals(131072, s.withCapacity(65537).capacity());
        assertEquals(
                RegionSpec.MAX_CAPACITY, s.withCapacity(RegionSpec.MAX_CAPACITY).capacity());
        refuse(ErrorCode.INVALID_ARGUMENT, () -> s.withCapacity(0));
        refuse(ErrorCode.INVALID_ARGUMENT, () -> s.withCapacity(RegionSpec.MAX_CAPACITY + 1));
        refuse(ErrorCode.INVALID_ARGUMENT, () -> s.withPageSize(2048));
        refuse(ErrorCode.INVALID_ARGUMENT, () -> s.withPageSize(12288));
        refuse(ErrorCode.INVALID_ARGUMENT, () -> s.withPageSize(1 << 21));
        assertEquals(1 << 20, s.withPageSize(1 << 20).pageSize());
        assertEquals(RegionKind.OBJECT_ARENA, RegionKind.fromCode(1));
        assertEquals(null, RegionKind.fromCode(7));
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(c, ErrorCode.fromCode(c.code()));
            assertEquals(c, TvmException.of(c, "x").code());
        }
        assertEquals(null, ErrorCode.fromCode(0));
    }
}
