package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Region counters, their snapshots, and directory totals that outlive destroyed regions. */
class MetricsTest {
    static final long SMALL = 1 << 20;

    static RegionSpec small(RegionKind kind) {
        return RegionSpec.of(kind).withCapacity(SMALL);
    }

    static void refuse(ErrorCode code, Runnable op) {
        TvmException e = assertThrows(TvmException.class, op::run);
        assertEquals(code, e.code(), e.getMessage());
    }

    @Test
    void freshRegionCountsNothing() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            assertEquals(RegionStats.EMPTY, r.stats());
            assertEquals(r.stats(), r.info().stats());
        }
    }

    @Test
    void allocationsFreesAndLiveFigures() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP)); // FREE_LIST: footprint = size rounded to 8
            long a = r.allocate(10);
            long b = r.allocate(20);
            long c = r.allocate(30);
            RegionStats s = r.stats();
            assertEquals(3, s.allocations());
            assertEquals(60, s.bytesAllocated());
            assertEquals(3, s.liveAllocations());
            assertEquals(60, s.liveBytes());
            assertEquals(16 + 24 + 32, s.usedBytes());
            assertEquals(16 + 24 + 32, s.touchedBytes());
            assertEquals(0, s.frees());

            long[] batch = new long[4];
            r.allocateBatch(100, 4, batch, 0);
            long lease = r.lease(256);
            s = r.stats();
            assertEquals(3 + 4 + 1, s.allocations(), "batch members and leases are allocations");
            assertEquals(60 + 400 + 256, s.bytesAllocated());
            assertEquals(1, s.leases());
            assertEquals(8, s.liveAllocations());

            dir.free(b);
            dir.free(lease);
            s = r.stats();
            assertEquals(2, s.frees());
            assertEquals(20 + 256, s.bytesFreed());
            assertEquals(6, s.liveAllocations());
            assertEquals(60 + 400 - 20, s.liveBytes());
            assertEquals(16 + 32 + 4 * 104, s.usedBytes());

            r.reset();
            s = r.stats();
            assertEquals(2 + 6, s.frees(), "a reset frees every live allocation");
            assertEquals(20 + 256 + 440, s.bytesFreed());
            assertEquals(1, s.resets());
            assertEquals(0, s.liveAllocations());
            assertEquals(0, s.liveBytes());
            assertEquals(0, s.usedBytes());
            assertEquals(s.allocations(), s.frees());
            assertEquals(s.bytesAllocated(), s.bytesFreed());
            refuse(ErrorCode.STALE_HANDLE, () -> dir.free(a));
            refuse(ErrorCode.STALE_HANDLE, () -> dir.free(c));
        }
    }

    @Test
    void bytesReadAndWritten() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            Region other = dir.create(small(RegionKind.BLOB_ARENA));
            long h = r.allocate(1000);
            long o = other.allocate(1000);
            byte[] buf = new byte[1000];
            dir.write(h, 0, MemorySegment.ofArray(buf), 0, 100);
            dir.fill(h, 100, 50, (byte) 1);
            dir.setInt(h, 200, 7);
            dir.setLong(h, 208, 7);
            dir.setFloat(h, 216, 1f);
            dir.setDouble(h, 224, 1d);
            assertEquals(100 + 50 + 4 + 8 + 4 + 8, r.stats().bytesWritten());
            assertEquals(0, r.stats().bytesRead());

            dir.read(h, 0, MemorySegment.ofArray(buf), 0, 300);
            dir.getInt(h, 0);
            dir.getLong(h, 0);
            dir.getFloat(h, 0);
            dir.getDouble(h, 0);
            assertEquals(300 + 4 + 8 + 4 + 8, r.stats().bytesRead());

            dir.copy(o, 0, h, 0, 500); // cross region: r is read, other is written
            assertEquals(300 + 24 + 500, r.stats().bytesRead());
            assertEquals(500, other.stats().bytesWritten());
            assertEquals(0, other.stats().bytesRead());
            dir.copy(h, 500, h, 0, 200); // same region: both counters of r
            assertEquals(300 + 24 + 500 + 200, r.stats().bytesRead());
            assertEquals(174 + 200, r.stats().bytesWritten());

            long before = r.stats().bytesRead();
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.read(h, 900, MemorySegment.ofArray(buf), 0, 101));
            assertEquals(before, r.stats().bytesRead(), "a refused read moves no bytes");
        }
    }

    @Test
    void failuresAreCountedByKind() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            long h = r.allocate(16);
            long freed = r.allocate(16);
            dir.free(freed);

            refuse(ErrorCode.STALE_HANDLE, () -> dir.getLong(freed, 0));
            refuse(ErrorCode.STALE_HANDLE, () -> dir.free(freed));
            refuse(ErrorCode.FORGED_HANDLE, () -> dir.getLong(h + 1, 0));
            refuse(ErrorCode.FORGED_HANDLE, () -> dir.getLong(h | (1000L << 12), 0));
            refuse(ErrorCode.FORGED_HANDLE, () -> dir.getLong(h & ~0xFFFL, 0));
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.getLong(h, 9));
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.fill(h, -1, 1, (byte) 0));
            refuse(ErrorCode.OUT_OF_BOUNDS, () -> dir.copy(h, 0, h, 8, 9));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocate(0));
            refuse(ErrorCode.INVALID_ARGUMENT, () -> r.allocate(SMALL + 1));

            RegionStats s = r.stats();
            assertEquals(2, s.failures(ErrorCode.STALE_HANDLE));
            assertEquals(3, s.failures(ErrorCode.FORGED_HANDLE));
            assertEquals(3, s.failures(ErrorCode.OUT_OF_BOUNDS));
            assertEquals(2, s.failures(ErrorCode.INVALID_ARGUMENT));
            assertEquals(0, s.failures(ErrorCode.STALE_REGION));
            assertEquals(10, s.totalFailures());
            assertEquals(
                    Map.of(
                            ErrorCode.STALE_HANDLE, 2L,
                            ErrorCode.FORGED_HANDLE, 3L,
                            ErrorCode.OUT_OF_BOUNDS, 3L,
                            ErrorCode.INVALID_ARGUMENT, 2L),
                    s.handleFailures(),
                    "kinds with zero are absent");
            assertEquals(2, s.allocations(), "refused allocations are not allocations");
        }
    }

    @Test
    void unresolvedReferencesAreCountedByTheDirectoryAndTheIdsCurrentRegion() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region first = dir.create(small(RegionKind.HOT_HEAP));
            long old = first.allocate(8);
            dir.destroy(first.ref());
            refuse(ErrorCode.STALE_REGION, () -> dir.getLong(old, 0));
            assertEquals(1, dir.stats().unresolvedFailures());

            Region second = dir.create(small(RegionKind.HOT_HEAP)); // reuses the id
            assertEquals(first.id(), second.id());
            refuse(ErrorCode.STALE_REGION, () -> dir.getLong(old, 0));
            refuse(ErrorCode.NO_SUCH_REGION, () -> dir.region(HandleCodec.regionRef(4000, 1)));
            refuse(ErrorCode.FORGED_HANDLE, () -> dir.free(0));
            assertEquals(4, dir.stats().unresolvedFailures());
            assertEquals(1, second.stats().failures(ErrorCode.STALE_REGION), "counted on the id's current region");
        }
    }

    @Test
    void compactionsAndBytesMoved() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.HOT_HEAP));
            long a = r.allocate(100); // footprint 104 at 0
            long b = r.allocate(200); // 200 at 104
            long c = r.allocate(50); // 56 at 304
            dir.fill(b, 0, 200, (byte) 2);
            dir.fill(c, 0, 50, (byte) 3);
            dir.free(a);
            CompactionResult res = r.compact();
            assertEquals(r.ref(), res.ref());
            assertEquals(2, res.allocationsMoved());
            assertEquals(250, res.bytesMoved());
            assertEquals(360, res.touchedBefore());
            assertEquals(256, res.touchedAfter());
            assertEquals(104, res.bytesReclaimed());
            RegionStats s = r.stats();
            assertEquals(1, s.compactions());
            assertEquals(250, s.bytesMoved());
            assertEquals(256, s.usedBytes());
            assertEquals(256, s.touchedBytes());
            assertEquals(0x0202020202020202L, dir.getLong(b, 192));
            assertEquals(0x0303030303030303L, dir.getLong(c, 42));

            CompactionResult again = r.compact();
            assertEquals(0, again.allocationsMoved(), "nothing left to move");
            assertEquals(0, again.bytesReclaimed());
            assertEquals(2, r.stats().compactions());
            assertEquals(250, r.stats().bytesMoved());
        }
    }

    @Test
    void directoryTotalsIncludeDestroyedRegions() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region a = dir.create(small(RegionKind.HOT_HEAP));
            Region b = dir.create(small(RegionKind.BLOB_ARENA));
            long ha = a.allocate(100);
            a.allocate(50);
            dir.fill(ha, 0, 100, (byte) 1);
            long hb = b.allocate(40);
            dir.getLong(hb, 0);
            dir.free(ha);
            refuse(ErrorCode.STALE_HANDLE, () -> dir.free(ha));
            a.compact();

            DirectoryStats before = dir.stats();
            assertEquals(2, before.liveRegions());
            assertEquals(2, before.regionsCreated());
            assertEquals(0, before.regionsDestroyed());
            assertEquals(a.stats().plus(b.stats()), before.totals());

            RegionStats lastOfA = a.stats();
            dir.destroy(a.ref());
            DirectoryStats after = dir.stats();
            assertEquals(1, after.liveRegions());
            assertEquals(2, after.regionsCreated());
            assertEquals(1, after.regionsDestroyed());
            RegionStats t = after.totals();
            assertEquals(3, t.allocations(), "destroyed regions' allocations still count");
            assertEquals(190, t.bytesAllocated());
            assertEquals(1, t.frees());
            assertEquals(100, t.bytesFreed());
            assertEquals(100, t.bytesWritten());
            assertEquals(8, t.bytesRead());
            assertEquals(1, t.compactions());
            assertEquals(lastOfA.bytesMoved(), t.bytesMoved());
            assertEquals(1, t.failures(ErrorCode.STALE_HANDLE));
            // Live figures cover live regions only.
            assertEquals(1, t.liveAllocations());
            assertEquals(40, t.liveBytes());
            assertEquals(40, t.usedBytes());
            assertEquals(lastOfA.withoutLiveFigures().plus(b.stats()), t);

            dir.destroy(b.ref());
            RegionStats end = dir.stats().totals();
            assertEquals(3, end.allocations());
            assertEquals(0, end.liveAllocations());
            assertEquals(0, end.liveBytes());
            assertEquals(0, end.usedBytes());
            assertEquals(0, end.touchedBytes());
            assertEquals(0, dir.stats().liveRegions());
            assertEquals(2, dir.stats().regionsDestroyed());
        }
    }

    @Test
    void countersOnlyGrowAndSnapshotsAreImmutable() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(small(RegionKind.OBJECT_ARENA));
            RegionStats prev = r.stats();
            for (int i = 0; i < 200; i++) {
                long h = r.allocate(8 + i);
                dir.setLong(h, 0, i);
                if (i % 3 == 0) {
                    dir.free(h);
                }
                RegionStats now = r.stats();
                assertTrue(now.allocations() >= prev.allocations());
                assertTrue(now.frees() >= prev.frees());
                assertTrue(now.bytesWritten() > prev.bytesWritten());
                prev = now;
            }
            RegionStats snapshot = r.stats();
            r.allocate(8);
            assertEquals(200, snapshot.allocations(), "a snapshot does not change afterwards");
            assertThrows(UnsupportedOperationException.class, () -> snapshot.handleFailures()
                    .put(ErrorCode.CLOSED, 1L));
        }
    }
    /**
     * Directory totals include destroyed regions, so the cumulative counters never go backwards,
     * even while another thread destroys regions between two snapshots.
     */
    @Test
    void directoryTotalsNeverGoBackwardsWhileRegionsAreDestroyed() throws Exception {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            // Lower ids stay live, so a snapshot spends a while on them before it reaches the churning id.
            for (int i = 0; i < 200; i++) {
                dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(65536));
            }
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread churn = new Thread(() -> {
                try {
                    for (int i = 0; i < 3000; i++) {
                        Region r = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(65536));
                        for (int k = 0; k < 20; k++) {
                            dir.setLong(r.allocate(8), 0, k);
                        }
                        dir.destroy(r.ref());
                    }
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.set(true);
                }
            });
            churn.start();
            long previous = 0;
            long checks = 0;
            while (!done.get()) {
                DirectoryStats s = dir.stats();
                long allocations = s.totals().allocations();
                assertTrue(
                        allocations >= previous,
                        "allocations went back from " + previous + " to " + allocations + " after " + checks
                                + " snapshots");
                assertTrue(20 * s.regionsCreated() >= allocations, "every region made 20 allocations");
                previous = allocations;
                checks++;
            }
            churn.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(20 * 3000, dir.stats().totals().allocations());
            assertEquals(3000, dir.stats().regionsDestroyed());
        }
    }
}
