package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Working sets far beyond the resident budget: pages spill to the spill file and fault back in,
 * every byte survives, and the directory's resident bytes never exceed budget + slack.
 */
class ResidencyBudgetTest {
    private static final long BUDGET = 4L << 20;
    private static final int BLOCK = 48 * 1024; // not page-aligned on purpose: blocks straddle pages

    @TempDir
    Path spillDir;

    private static byte[] pattern(int region, int block) {
        byte[] bytes = new byte[BLOCK];
        new Random(region * 1_000_003L + block).nextBytes(bytes);
        return bytes;
    }

    @Test
    void workingSetSixteenTimesTheBudgetSurvivesRandomOrderReads() {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spillDir)
                .build()) {
            long limit = BUDGET + slack(dir);
            List<Region> regions = List.of(
                    dir.create(RegionSpec.of(RegionKind.BLOB_ARENA)),
                    dir.create(RegionSpec.of(RegionKind.PAGE_STORE)),
                    dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA)),
                    dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                            .withPolicy(RegionKind.HOT_HEAP.defaultPolicy().withSpillable(true))));
            long workingSet = 16 * BUDGET;
            int blocksPerRegion = (int) (workingSet / regions.size() / BLOCK) + 1;
            long[][] handles = new long[regions.size()][blocksPerRegion];
            long peak = 0;
            for (int b = 0; b < blocksPerRegion; b++) {
                for (int r = 0; r < regions.size(); r++) {
                    long h = regions.get(r).allocate(BLOCK);
                    handles[r][b] = h;
                    dir.write(h, 0, MemorySegment.ofArray(pattern(r, b)), 0, BLOCK);
                    long resident = dir.residencyStats().residentBytes();
                    assertTrue(resident <= limit, "resident " + resident + " > " + limit);
                    peak = Math.max(peak, resident);
                }
            }
            List<long[]> order = new ArrayList<>();
            for (int r = 0; r < regions.size(); r++) {
                for (int b = 0; b < blocksPerRegion; b++) {
                    order.add(new long[] {r, b});
                }
            }
            Collections.shuffle(order, new Random(42));
            byte[] read = new byte[BLOCK];
            for (long[] rb : order) {
                int r = (int) rb[0];
                int b = (int) rb[1];
                dir.read(handles[r][b], 0, MemorySegment.ofArray(read), 0, BLOCK);
                assertArrayEquals(pattern(r, b), read, "region " + r + " block " + b);
                long resident = dir.residencyStats().residentBytes();
                assertTrue(resident <= limit, "resident " + resident + " > " + limit);
            }
            ResidencyStats stats = dir.residencyStats();
            assertTrue(stats.bytesSpilled() >= workingSet - BUDGET, "spilled " + stats.bytesSpilled());
            assertTrue(stats.faults() > 0);
            assertTrue(stats.peakResidentBytes() <= limit, "peak " + stats.peakResidentBytes());
            assertEquals(0, stats.spillFailures());
            // Spills were batched: far fewer write batches than pages.
            assertTrue(stats.spills() * 8 < stats.bytesSpilled() / PageMap.PAGE_SIZE, stats.toString());
        }
    }

    @Test
    void explicitSpillMakesARegionColdAndAccessBringsItBack() {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spillDir)
                .build()) {
            Region blobs = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            long h = blobs.allocate(200_000);
            byte[] data = pattern(9, 9);
            dir.write(h, 1000, MemorySegment.ofArray(data), 0, BLOCK);
            blobs.spill();
            assertEquals(Tier.COLD, blobs.info().tier());
            assertEquals(1, dir.residencyStats().demotions());
            assertEquals(0, blobs.info().residentBytes());
            assertEquals(4L * PageMap.PAGE_SIZE, blobs.info().spilledBytes());
            assertEquals(0, dir.residencyStats().residentBytes());
            byte[] read = new byte[BLOCK];
            long faultsBefore = dir.residencyStats().faults();
            dir.read(h, 1000, MemorySegment.ofArray(read), 0, BLOCK);
            assertArrayEquals(data, read);
            assertEquals(Tier.HOT, blobs.info().tier());
            // Read-ahead: the two pages the read needed brought the two that follow in their slots.
            assertEquals(faultsBefore + 1, dir.residencyStats().faults());
            assertEquals(4L * PageMap.PAGE_SIZE, blobs.info().residentBytes());
            blobs.load();
            assertEquals(0, blobs.info().spilledBytes());
            blobs.spill();
            blobs.load(); // a whole COLD region brought back at once
            assertEquals(2, dir.residencyStats().demotions());
            assertEquals(1, dir.residencyStats().promotions());
            assertArrayEquals(data, readBack(dir, h));

            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP));
            heap.allocate(10);
            assertEquals(
                    ErrorCode.UNSUPPORTED,
                    assertThrows(TvmException.class, heap::spill).code());
            blobs.pin();
            assertEquals(
                    ErrorCode.PINNED,
                    assertThrows(TvmException.class, blobs::spill).code());
        }
    }

    @Test
    void resetCompactAndDestroyReturnResidencyAndSpillSlots() {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spillDir)
                .build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                    .withPolicy(RegionKind.HOT_HEAP.defaultPolicy().withSpillable(true)));
            long[] hs = new long[64];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = heap.allocate(BLOCK);
                dir.setLong(hs[i], 0, i);
            }
            heap.spill();
            for (int i = 0; i < hs.length; i += 2) {
                dir.free(hs[i]);
            }
            heap.compact();
            for (int i = 1; i < hs.length; i += 2) {
                assertEquals(i, dir.getLong(hs[i], 0), "handle " + i + " across spill + compaction");
            }
            assertEquals(0, heap.info().spilledBytes());
            assertEquals(
                    PageMap.pagesFor(32L * BLOCK) * (long) PageMap.PAGE_SIZE,
                    dir.residencyStats().residentBytes());
            heap.reset();
            assertEquals(0, dir.residencyStats().residentBytes());
            long h = heap.allocate(BLOCK);
            heap.spill();
            dir.destroy(heap.ref());
            assertEquals(0, dir.residencyStats().residentBytes());
            assertTrue(dir.residencyStats().spillFileBytes() >= 0);
            assertThrows(TvmException.class, () -> dir.getLong(h, 0));
        }
    }

    private static byte[] readBack(RegionDirectory dir, long h) {
        byte[] read = new byte[BLOCK];
        dir.read(h, 1000, MemorySegment.ofArray(read), 0, BLOCK);
        return read;
    }

    private static long slack(RegionDirectory dir) {
        return Math.max(4L * PageMap.PAGE_SIZE, dir.residencyStats().budgetBytes() / 64);
    }
}
